"""Small plain tables beside the stored events, and the append-only guards
(triggers) that refuse to change them or the stored events."""

import re
import sqlite3
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Recorder
from eventsourcing.postgres import PostgresAggregateRecorder
from eventsourcing.sqlite import SQLiteAggregateRecorder

from application.storage.patience import DEFAULT_PATIENCE
from application.storage.patience import Patience
from application.storage.patience import ping_of
from application.storage.schema import SchemaNotReady

APPEND_ONLY_MESSAGE = "append-only"
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class SideTables:
    """Plain SQL on the event store's own database, for the small tables kept beside
    the stored events (access tokens, idempotency records, hash chains, the access
    log). Statements are written with ``%s`` placeholders; on SQLite they become
    ``?``. With ``manage_schema`` off (a service role that owns nothing) the tables
    are not created but required."""

    def __init__(self, recorder: Recorder, *, manage_schema: bool = True) -> None:
        self.manage_schema = manage_schema
        self._recorder = recorder
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

    def stored_id(self, aggregate_id: UUID) -> str:
        """An aggregate's id as the stored events' table holds it (SQLite: its
        hex)."""
        return str(aggregate_id) if self.postgres else aggregate_id.hex

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
                        f"{op} refused on {table}'); END",
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

    def grant(self, role: str, privileges: dict[str, str]) -> None:
        """Grants ``role`` the privileges on each table (``{"table": "SELECT,
        INSERT"}``), use of the schema and its sequences, and the right to create
        tables (the views build their own), after revoking whatever it had on them:
        it owns nothing here, so it cannot change a trigger or drop a table."""
        if not self.postgres:
            raise ValueError("roles are for PostgreSQL; SQLite has none")
        if not ROLE_NAME.fullmatch(role):
            raise ValueError(f"{role!r} is not a plain role name (a-z, 0-9, _)")
        if not self.run(("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))):
            raise ValueError(f"there is no database role {role!r}; create it first")
        schema = f'"{self.schema}"'
        statements = [f'GRANT USAGE, CREATE ON SCHEMA {schema} TO "{role}"']
        for table, granted in privileges.items():
            statements += [
                f'REVOKE ALL ON {self.name(table)} FROM "{role}"',
                f'GRANT {granted} ON {self.name(table)} TO "{role}"',
            ]
        statements.append(
            f'GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO "{role}"'
        )
        self.run(*((statement, ()) for statement in statements))

    def events_of(self, events: str, ids: Sequence[UUID]) -> list[tuple[Any, ...]]:
        """The stored events of the aggregates ``ids``, read in one query from the
        events table ``events`` (as ``name`` gives it): (originator id, version,
        topic, state), by aggregate and version."""
        marks = ", ".join(["%s"] * len(ids))
        return self.run(
            (
                "SELECT originator_id, originator_version, topic, state FROM "
                f"{events} WHERE originator_id IN ({marks}) "
                "ORDER BY originator_id, originator_version",
                [self.stored_id(i) for i in ids],
            ),
            commit=False,
        )

    @contextmanager
    def connection(self) -> Iterator[Any]:
        """A connection of the store's pool on PostgreSQL, in autocommit: for work
        of several transactions under one session's lock."""
        assert self.postgres, "a PostgreSQL connection"
        with self._datastore.get_connection() as connection:
            yield connection

    @contextmanager
    def transaction(self) -> Iterator[Callable[[str, Sequence[Any]], list[Any]]]:
        """A transaction for statements that depend on what earlier ones read: yields
        ``run(sql, params)``, which gives the statement's rows; commits at the end."""
        with self._datastore.transaction(commit=True) as cursor:

            def run(sql: str, params: Sequence[Any]) -> list[Any]:
                if self.postgres:
                    cursor.execute(sql.encode(), params or None)
                else:
                    cursor.execute(sql.replace("%s", "?"), params)
                if self.postgres and cursor.description is None:
                    return []
                return [
                    tuple(row.values()) if isinstance(row, dict) else tuple(row)
                    for row in cursor.fetchall()
                ]

            yield run

    def checkpoint(self) -> bool:
        """On SQLite, copies the write-ahead log into the database file and empties
        it; whether it could. It waits at most 0.1 s for readers of older snapshots
        (writers wait meanwhile), and gives up if they are still reading."""
        if self.postgres:
            return True
        with self._datastore.get_connection(commit=True) as connection:
            cursor = connection.cursor()
            cursor.execute("PRAGMA busy_timeout")
            waits = cursor.fetchone()[0]
            cursor.execute("PRAGMA busy_timeout = 100")
            try:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                busy = cursor.fetchone()[0]
            except sqlite3.OperationalError:  # locked: as busy
                busy = 1
            finally:
                cursor.execute(f"PRAGMA busy_timeout = {int(waits)}")
        return not busy

    @property
    def patience(self) -> Patience:
        """The recorder's (``bound_patience``), else one of the default length."""
        patience: Patience | None = getattr(self._recorder, "patience", None)
        if patience is None:
            ping = ping_of(self._datastore) if self.postgres else None
            patience = Patience(DEFAULT_PATIENCE, ping)
        return patience

    def run(
        self, *statements: tuple[str, Sequence[Any]], commit: bool = True
    ) -> list[tuple[Any, ...]]:
        """Runs the statements in one transaction; the rows of the last one. A lost
        connection (a restarted server) is retried under the store's patience."""
        return self.patience.run(lambda: self._run(statements, commit))

    def _run(
        self, statements: Sequence[tuple[str, Sequence[Any]]], commit: bool
    ) -> list[tuple[Any, ...]]:
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


def install_append_only_guard(*recorders: Recorder, manage_schema: bool = True) -> None:
    """Refuses UPDATE, DELETE (and on PostgreSQL TRUNCATE) on the recorders' tables."""
    for recorder in recorders:
        tables = SideTables(recorder, manage_schema=manage_schema)
        tables.append_only(recorder.events_table_name)  # type: ignore[attr-defined]
