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


class SchemaNotReady(RuntimeError):
    """The service's database role may not set up the schema, and it is not set up."""


def install_append_only_guard(*recorders: Recorder) -> None:
    """Refuses UPDATE, DELETE (and on PostgreSQL TRUNCATE) on the recorders' tables."""
    for recorder in recorders:
        tables = SideTables(recorder)
        tables.append_only(recorder.events_table_name)  # type: ignore[attr-defined]


# Small plain tables beside the stored events ------------------------------------------


class SideTables:
    """Plain SQL on the event store's own database, for the small tables kept beside
    the stored events (access tokens, idempotency records, hash chains, the access
    log). Statements are written with ``%s`` placeholders; on SQLite they become
    ``?``. With ``manage_schema`` off (a service role that owns nothing) the tables
    are not created but required."""

    def __init__(self, recorder: Recorder, *, manage_schema: bool = True) -> None:
        self.manage_schema = manage_schema
        if isinstance(recorder, PostgresAggregateRecorder):
            self.postgres = True
            self._datastore: Any = recorder.datastore
            self.schema = recorder.datastore.schema
            self._prefix = f'"{self.schema}".' if self.schema else ""
        elif isinstance(recorder, SQLiteAggregateRecorder):
            self.postgres = False
            self._datastore = recorder.datastore
            self.schema = ""
            self._prefix = ""
        else:  # pragma: no cover - only the two stores are configured
            raise TypeError(f"no side tables for {type(recorder).__name__}")

    def name(self, table: str) -> str:
        return f"{self._prefix}{table}"

    def create(self, table: str, *statements: str) -> None:
        """Runs the statements that create ``table`` (and its indexes) in one
        transaction; without ``manage_schema``, checks that the table exists."""
        if self.manage_schema:
            self.run(*((statement, ()) for statement in statements))
        elif not self.exists(table):
            raise SchemaNotReady(
                f"the table {table} is missing and this database role may not create "
                "it: run `trajectory migrate` as the schema's owner"
            )

    def exists(self, table: str) -> bool:
        if self.postgres:
            sql = "SELECT to_regclass(%s) IS NOT NULL"
            rows = self.run((sql, (self.name(table),)), commit=False)
        else:
            sql = "SELECT count(*) > 0 FROM sqlite_master WHERE name = %s"
            rows = self.run((sql, (table,)), commit=False)
        return bool(rows[0][0])

    def append_only(self, table: str) -> None:
        """Installs triggers refusing UPDATE and DELETE on ``table``, and TRUNCATE on
        PostgreSQL, for every role including the owner. Idempotent; without
        ``manage_schema``, checks that they are installed."""
        if not self.manage_schema:
            if not self._guarded(table):
                raise SchemaNotReady(
                    f"the append-only triggers of {table} are missing: run "
                    "`trajectory migrate` as the schema's owner"
                )
            return
        if self.postgres:
            self.run(*((s, ()) for s in self._postgres_guard(table)))
        else:
            self.run(
                *(
                    (
                        f"CREATE TRIGGER IF NOT EXISTS {table}_refuse_{op.lower()} "
                        f"BEFORE {op} ON {table} "
                        f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}: "
                        f"{op} refused'); END",
                        (),
                    )
                    for op in ("UPDATE", "DELETE")
                )
            )

    def _postgres_guard(self, table: str) -> list[str]:
        function = self.name("refuse_change_to_stored_events")
        return [
            # Serialises concurrent start-ups installing the same triggers.
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
            CREATE OR REPLACE TRIGGER {table}_refuse_update_delete
            BEFORE UPDATE OR DELETE ON {self.name(table)}
            FOR EACH ROW EXECUTE FUNCTION {function}()
            """,
            f"""
            CREATE OR REPLACE TRIGGER {table}_refuse_truncate
            BEFORE TRUNCATE ON {self.name(table)}
            FOR EACH STATEMENT EXECUTE FUNCTION {function}()
            """,
        ]

    def _guarded(self, table: str) -> bool:
        if self.postgres:
            sql = (
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = to_regclass(%s) "
                "AND tgenabled = 'O' AND tgname IN (%s, %s)"
            )
            names = (f"{table}_refuse_update_delete", f"{table}_refuse_truncate")
            rows = self.run((sql, (self.name(table), *names)), commit=False)
            return bool(rows[0][0] == 2)
        sql = (
            "SELECT count(*) FROM sqlite_master "
            "WHERE type = 'trigger' AND name IN (%s, %s)"
        )
        names = (f"{table}_refuse_update", f"{table}_refuse_delete")
        rows = self.run((sql, names), commit=False)
        return bool(rows[0][0] == 2)

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
                    cursor.execute(sql.encode(), params or None)
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
