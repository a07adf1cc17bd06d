"""The store's own tables: append-only guards, side tables, and the recorders that
write hash-chain links and idempotency records with the events. The guards and
tables are installed idempotently each time the application starts.
"""

import logging
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
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
from psycopg.sql import SQL, Identifier

from application.audit.stores import PostgresChains, SQLiteChains

APPEND_ONLY_MESSAGE = "append-only"
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
log = logging.getLogger("trajectory.storage")


class SchemaNotReady(RuntimeError):
    """The service's database role may not set up the schema, and it is not set up."""


def install_append_only_guard(*recorders: Recorder, manage_schema: bool = True) -> None:
    """Refuses UPDATE, DELETE (and on PostgreSQL TRUNCATE) on the recorders' tables."""
    for recorder in recorders:
        tables = SideTables(recorder, manage_schema=manage_schema)
        tables.append_only(recorder.events_table_name)  # type: ignore[attr-defined]


@contextmanager
def setting_up_schema(library_env: dict[str, str]) -> Iterator[bool]:
    """Yields whether this database role sets up the schema: on PostgreSQL, when it
    owns the schema (or is a member of the owning role, or a superuser). A service
    role that owns nothing only checks the set-up, even in an empty schema: creating
    the tables would make it their owner, free to drop their triggers.

    While it is open, a role that sets up the schema holds a lock on it (a session
    advisory lock named after the schema), so processes starting at once set it up
    one after the other: concurrent ``CREATE ... IF NOT EXISTS`` statements on the
    same catalogue rows can otherwise fail with "tuple concurrently updated"."""
    if library_env["PERSISTENCE_MODULE"] != "eventsourcing.postgres":
        yield True
        return
    schema = library_env["POSTGRES_SCHEMA"] or "public"
    with psycopg.connect(
        host=library_env["POSTGRES_HOST"],
        port=library_env["POSTGRES_PORT"],
        dbname=library_env["POSTGRES_DBNAME"],
        user=library_env["POSTGRES_USER"],
        password=library_env["POSTGRES_PASSWORD"],
        connect_timeout=int(library_env["POSTGRES_CONNECT_TIMEOUT"]),
        autocommit=True,
    ) as connection:
        row = connection.execute(
            "SELECT pg_has_role(nspowner, 'USAGE') FROM pg_namespace "
            "WHERE nspname = %s",
            (schema,),
        ).fetchone()
        manages = row is None or bool(row[0])  # no schema: the library says so
        if not manages:
            yield False
            return
        key = f"trajectory schema {schema}"
        taken = connection.execute(
            "SELECT pg_try_advisory_lock(hashtext(%s))", (key,)
        ).fetchone()
        if not (taken and taken[0]):
            log.info("waiting for another process setting up schema %s", schema)
            connection.execute("SELECT pg_advisory_lock(hashtext(%s))", (key,))
        try:
            yield True
        finally:
            if not connection.closed:
                connection.execute("SELECT pg_advisory_unlock(hashtext(%s))", (key,))


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


# Recorders that also write idempotency records and participants' data keys, in the
# events' transaction ---------------------------------------------------------------

IDEMPOTENCY_TABLE = "idempotency_records"
KEYS_TABLE = "participant_keys"


def _idempotency_insert(table: str) -> str:
    return (
        f"INSERT INTO {table} (scope, key, fingerprint, aggregate_id, version) "
        "VALUES (%s, %s, %s, %s, %s)"
    )


def _side_writes(prefix: str, kwargs: dict[str, Any]) -> list[tuple[str, list[Any]]]:
    """The statements a save adds to its events' transaction, each with its rows:
    ``idempotency=[IdempotencyRecord, ...]``; ``data_keys=[NewDataKey, ...]``, the
    data keys of the participants it registers; ``shred=[participant_id, ...]``, whose
    data keys it deletes as it records their erasure; and ``forget=[aggregate_id,
    ...]``, whose idempotency records it deletes with them."""
    writes: list[tuple[str, list[Any]]] = []
    if records := kwargs.get("idempotency"):
        table = prefix + IDEMPOTENCY_TABLE
        writes.append((_idempotency_insert(table), [r.row() for r in records]))
    if data_keys := kwargs.get("data_keys"):
        insert = (
            f"INSERT INTO {prefix}{KEYS_TABLE} (participant_id, wrapped, master_key) "
            "VALUES (%s, %s, %s) ON CONFLICT (participant_id) DO NOTHING"
        )
        writes.append((insert, [new_key.row() for new_key in data_keys]))
    if shred := kwargs.get("shred"):
        delete = f"DELETE FROM {prefix}{KEYS_TABLE} WHERE participant_id = %s"
        writes.append((delete, [(str(i),) for i in shred]))
    if forget := kwargs.get("forget"):
        delete = f"DELETE FROM {prefix}{IDEMPOTENCY_TABLE} WHERE aggregate_id = %s"
        writes.append((delete, [(str(i),) for i in forget]))
    return writes


class PostgresEventRecorder(PostgresApplicationRecorder):
    """The library's recorder, also writing in the same transaction as the events
    their links in the hash chains, and what ``_side_writes`` lists: so an answer is
    stored if and only if the events it answers for are, a participant's data key if
    and only if their registration is, and an erasure with its key's deletion."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.datastore.enable_db_functions:  # that path skips _insert_events
            raise ValueError(
                "hash chains and idempotency records need "
                "POSTGRES_ENABLE_DB_FUNCTIONS off"
            )
        self.chains = PostgresChains(self)
        self._saving = threading.local()  # the heads cursor of this thread's save
        # The library's insert, with the events sent in binary: psycopg escapes a
        # text array of composites in Python, a third of a batch's cost to store.
        self.insert_events_statement = SQL(
            "INSERT INTO {schema}.{table} AS t ("
            "originator_id, originator_version, topic, state) "
            "SELECT originator_id, originator_version, topic, state "
            "FROM unnest(%b::{schema}.{stored_event_type}[]) "
            "RETURNING notification_id"
        ).format(
            schema=Identifier(self.datastore.schema),
            table=Identifier(self.events_table_name),
            stored_event_type=Identifier(self.stored_event_type_name),
        )

    def create_table(self) -> None:
        super().create_table()
        self.chains.set_up()

    def _insert_stored_events(
        self,
        curs: Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        **kwargs: Any,
    ) -> None:
        super()._insert_stored_events(curs, stored_events, **kwargs)  # locks first
        stale = getattr(self._saving, "heads", None)  # of a save that failed
        if stale is not None:
            stale.close()
        self._saving.heads = self.chains.ask_heads(curs.connection, stored_events)

    def _fetch_ids_after_insert_events(
        self,
        curs: Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        **kwargs: Any,
    ) -> Sequence[int] | None:
        """The events are inserted, under the table lock, without a conflict: link
        them to the heads read under that lock."""
        positions = super()._fetch_ids_after_insert_events(
            curs, stored_events, **kwargs
        )
        heads, self._saving.heads = self._saving.heads, None
        try:
            self.chains.link(heads, stored_events)
        finally:
            heads.close()
        return positions

    def _insert_events(
        self,
        curs: Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        **kwargs: Any,
    ) -> None:
        schema = self.datastore.schema
        for sql, rows in _side_writes(f'"{schema}".' if schema else "", kwargs):
            curs.executemany(sql.encode(), rows)
        super()._insert_events(curs, stored_events, **kwargs)


class SQLiteEventRecorder(SQLiteApplicationRecorder):
    """As ``PostgresEventRecorder``, on SQLite."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chains = SQLiteChains(self)

    def create_table(self) -> None:
        super().create_table()
        self.chains.set_up()

    def _insert_events(
        self,
        c: SQLiteCursor,
        stored_events: Sequence[StoredEvent],
        **kwargs: Any,
    ) -> Sequence[int] | None:
        if kwargs.get("shred"):
            # Deleted rows are overwritten with zeros, not left in free pages.
            c.execute("PRAGMA secure_delete = ON")
        for sql, rows in _side_writes("", kwargs):
            c.executemany(sql.replace("%s", "?"), rows)
        positions = super()._insert_events(c, stored_events, **kwargs)
        self.chains.write(c, stored_events)
        return positions
