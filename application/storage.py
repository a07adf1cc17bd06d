"""Keeps stored events and snapshots append-only, whatever the code above does.

Installed idempotently each time the application starts.
"""

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import (
    InterfaceError,
    OperationalError,
    Recorder,
    StoredEvent,
)
from eventsourcing.postgres import (
    PostgresAggregateRecorder,
    PostgresApplicationRecorder,
)
from eventsourcing.sqlite import (
    SQLiteAggregateRecorder,
    SQLiteApplicationRecorder,
    SQLiteCursor,
)
from eventsourcing.utils import retry
from psycopg import Cursor
from psycopg.rows import DictRow

APPEND_ONLY_MESSAGE = "stored events are append-only"


def install_append_only_guard(*recorders: Recorder) -> None:
    for recorder in recorders:
        if isinstance(recorder, PostgresAggregateRecorder):
            _guard_postgres(recorder)
        elif isinstance(recorder, SQLiteAggregateRecorder):
            _guard_sqlite(recorder)


def _guard_postgres(recorder: PostgresAggregateRecorder) -> None:
    schema = recorder.datastore.schema
    name = recorder.events_table_name
    table = f'"{schema}"."{name}"'
    function = f'"{schema}"."refuse_change_to_stored_events"'
    statements = [
        # Serialises concurrent start-ups installing the same trigger.
        "SELECT pg_advisory_xact_lock(hashtext('trajectory append-only guard'))",
        f"""
        CREATE OR REPLACE FUNCTION {function}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}: % refused on %',
                TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """,
        f"""
        CREATE OR REPLACE TRIGGER {name}_refuse_update_delete
        BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION {function}()
        """,
        f"""
        CREATE OR REPLACE TRIGGER {name}_refuse_truncate
        BEFORE TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION {function}()
        """,
    ]
    with recorder.datastore.transaction(commit=True) as cursor:
        for statement in statements:
            cursor.execute(statement.encode())


def _guard_sqlite(recorder: SQLiteAggregateRecorder) -> None:
    table = recorder.events_table_name
    with recorder.datastore.transaction(commit=True) as cursor:
        for operation in ("UPDATE", "DELETE"):
            cursor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {table}_refuse_{operation.lower()} "
                f"BEFORE {operation} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}: "
                f"{operation} refused'); END"
            )


# Small plain tables beside the stored events ------------------------------------------


class SideTables:
    """Plain SQL on the event store's own database, for the small tables kept beside
    the stored events (access tokens, idempotency records). Statements are written
    with ``%s`` placeholders; on SQLite they become ``?``."""

    def __init__(self, recorder: Recorder) -> None:
        if isinstance(recorder, PostgresAggregateRecorder):
            self.postgres = True
            self._datastore: Any = recorder.datastore
            schema = recorder.datastore.schema
            self._prefix = f'"{schema}".' if schema else ""
        elif isinstance(recorder, SQLiteAggregateRecorder):
            self.postgres = False
            self._datastore = recorder.datastore
            self._prefix = ""
        else:  # pragma: no cover - only the two stores are configured
            raise TypeError(f"no side tables for {type(recorder).__name__}")

    def name(self, table: str) -> str:
        return f"{self._prefix}{table}"

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def run(
        self, *statements: tuple[str, Sequence[Any]], commit: bool = True
    ) -> list[tuple[Any, ...]]:
        """Runs the statements in one transaction; the rows of the last one. Like
        the library's own, it retries on a lost connection (a restarted server)."""
        rows: list[tuple[Any, ...]] = []
        with self._datastore.transaction(commit=commit) as cursor:
            for sql, params in statements:
                if self.postgres:
                    cursor.execute(sql.encode(), params)
                else:
                    cursor.execute(sql.replace("%s", "?"), params)
                if self.postgres and cursor.description is None:
                    rows = []  # a statement that returns no rows
                else:
                    rows = [
                        tuple(row.values()) if isinstance(row, dict) else tuple(row)
                        for row in cursor.fetchall()
                    ]
        return rows


# Recorders that also write idempotency records, in the events' transaction -------

IDEMPOTENCY_TABLE = "idempotency_records"


def _idempotency_insert(table: str) -> str:
    return (
        f"INSERT INTO {table} (scope, key, fingerprint, aggregate_id, version) "
        "VALUES (%s, %s, %s, %s, %s)"
    )


class PostgresEventRecorder(PostgresApplicationRecorder):
    """The library's recorder, also writing ``idempotency=[IdempotencyRecord, ...]`` in
    the same transaction as the events, so an answer is stored if and only if the
    events it answers for are."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.datastore.enable_db_functions:  # that path skips _insert_events
            raise ValueError(
                "idempotency records need POSTGRES_ENABLE_DB_FUNCTIONS off"
            )

    def _insert_events(
        self,
        curs: Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        **kwargs: Any,
    ) -> None:
        records: Sequence[Any] = kwargs.get("idempotency") or ()
        if records:
            schema = self.datastore.schema
            table = f'"{schema}".{IDEMPOTENCY_TABLE}' if schema else IDEMPOTENCY_TABLE
            curs.executemany(
                _idempotency_insert(table).encode(), [r.row() for r in records]
            )
        super()._insert_events(curs, stored_events, **kwargs)


class SQLiteEventRecorder(SQLiteApplicationRecorder):
    """As ``PostgresEventRecorder``, on SQLite."""

    def _insert_events(
        self,
        c: SQLiteCursor,
        stored_events: Sequence[StoredEvent],
        **kwargs: Any,
    ) -> Sequence[int] | None:
        records: Sequence[Any] = kwargs.get("idempotency") or ()
        if records:
            c.executemany(
                _idempotency_insert(IDEMPOTENCY_TABLE).replace("%s", "?"),
                [r.row() for r in records],
            )
        return super()._insert_events(c, stored_events, **kwargs)
