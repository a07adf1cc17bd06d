"""The hash chains on each store: the tables, the write path, the consistent read.

The recorders in ``application.storage`` call ``write`` inside the events'
transaction; ``reading()`` gives a verification its snapshot of the store.
"""

from __future__ import annotations

from collections.abc import Generator
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.rows import tuple_row

from application.audit.access_chain import ACCESS_LINKS_TABLE
from application.audit.access_chain import ACCESS_LOG_TABLE
from application.audit.access_chain import LINKED_COLUMNS
from application.audit.access_chain import EntryRow
from application.audit.chain import HEADS_TABLE
from application.audit.chain import LINKS_TABLE
from application.audit.chain import chain
from application.audit.chain_verification import ChainSource
from application.audit.chain_verification import EventRow
from application.audit.chain_verification import LinkRow

FETCH = 5_000  # rows per round trip when streaming a verification


class PostgresChains:
    def __init__(self, recorder: PostgresApplicationRecorder) -> None:
        self.datastore = recorder.datastore
        schema = f'"{recorder.datastore.schema}".'
        self.events = f"{schema}{recorder.events_table_name}"
        self.links = f"{schema}{LINKS_TABLE}"
        self.heads = f"{schema}{HEADS_TABLE}"
        self.access_log = f"{schema}{ACCESS_LOG_TABLE}"
        self.access_links = f"{schema}{ACCESS_LINKS_TABLE}"

    def ask_heads(self, connection: Any, stored_events: Sequence[StoredEvent]) -> Any:
        """Queues the read of the heads the events follow, on a cursor of its own,
        after the events table's lock: in the library's pipeline it travels with
        the insert, in the same round trip."""
        heads = connection.cursor()
        ids = list({e.originator_id for e in stored_events})
        # Not prepared: a statement skipped when the insert before it fails would
        # be counted as prepared by psycopg, and fail the connection's next save.
        heads.execute(
            f"SELECT h.originator_id, h.version, h.hash, EXISTS (SELECT 1 FROM "
            f"{self.events} e WHERE e.originator_id = h.originator_id AND "
            f"e.originator_version = h.version) AS stored FROM {self.heads} h "
            "WHERE h.originator_id = ANY(%b)".encode(),
            (ids,),
            prepare=False,
        )
        return heads

    def link(self, heads_cursor: Any, stored_events: Sequence[StoredEvent]) -> None:
        """Links the events to the heads asked for, and queues the links and the new
        heads: in a pipeline they travel with the commit. Events that do not follow
        their chains raise (the recorder then rolls the whole save back)."""
        curs = heads_cursor
        rows = curs.fetchall()
        heads = {
            row["originator_id"]: (row["version"], bytes(row["hash"])) for row in rows
        }
        cut = {row["originator_id"] for row in rows if not row["stored"]}

        def last_stored(aggregate_id: UUID, below: int) -> int:
            curs.execute(
                f"SELECT max(originator_version) AS last FROM {self.events} "
                "WHERE originator_id = %b AND originator_version < %b".encode(),
                (aggregate_id, below),
                prepare=False,
            )
            row = curs.fetchone()
            return int(row["last"] or 0) if row else 0

        linked = chain(stored_events, heads, last_stored, cut=cut)
        curs.execute(
            f"INSERT INTO {self.links} (originator_id, originator_version, hash) "
            "SELECT * FROM unnest(%b::uuid[], %b::bigint[], %b::bytea[])".encode(),
            _columns(linked.links),
            prepare=False,
        )
        curs.execute(
            f"INSERT INTO {self.heads} (originator_id, version, hash) "
            "SELECT * FROM unnest(%b::uuid[], %b::bigint[], %b::bytea[]) "
            "ON CONFLICT (originator_id) DO UPDATE "
            "SET version = EXCLUDED.version, hash = EXCLUDED.hash".encode(),
            _columns(linked.heads),
            prepare=False,
        )

    def set_up(self) -> None:
        """Creates the tables; a store that has events but no chains yet (written
        before the chains existed) is linked once, under the table lock."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(b"SELECT pg_advisory_xact_lock(hashtext('trajectory chains'))")
            curs.execute(
                b"SELECT to_regclass(%s) IS NOT NULL AS present", (self.links,)
            )
            present: Any = curs.fetchone()
            if present["present"]:
                return
            curs.execute(
                f"CREATE TABLE {self.links} (originator_id uuid NOT NULL, "
                "originator_version bigint NOT NULL, hash bytea NOT NULL, "
                "PRIMARY KEY (originator_id, originator_version))".encode()
            )
            curs.execute(
                f"CREATE TABLE IF NOT EXISTS {self.heads} (originator_id uuid PRIMARY "
                "KEY, version bigint NOT NULL, hash bytea NOT NULL)".encode()
            )
            curs.execute(f"LOCK TABLE {self.events} IN EXCLUSIVE MODE".encode())
            curs.execute(
                f"SELECT originator_id, originator_version, topic, state FROM "
                f"{self.events} ORDER BY originator_id, originator_version".encode()
            )
            existing = [
                StoredEvent(
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                )
                for row in curs.fetchall()
            ]
            if existing:
                heads = self.ask_heads(curs.connection, existing)
                try:
                    self.link(heads, existing)
                finally:
                    heads.close()

    @contextmanager
    def reading(self) -> Iterator[ChainSource]:
        """One repeatable-read transaction: the events, links and heads a
        verification reads are of one moment, however long it takes."""
        with self.datastore.get_connection() as conn, conn.transaction():
            conn.execute(b"SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield _PostgresSource(conn, self)


class _PostgresSource(ChainSource):
    def __init__(self, conn: Any, chains: PostgresChains) -> None:
        self.conn, self.chains = conn, chains
        self._cursors = 0

    def count(self) -> int:
        row = self.conn.execute(
            f"SELECT count(*) AS n FROM {self.chains.events}".encode()
        ).fetchone()
        return int(row["n"])

    def events(self) -> Generator[EventRow, None, None]:
        for row in self._stream(
            f"SELECT originator_id, originator_version, topic, state, notification_id "
            f"FROM {self.chains.events} ORDER BY originator_id, originator_version"
        ):
            yield EventRow(row[0], row[1], _text(row[2]), _bytes(row[3]), row[4])

    def links(self) -> Generator[LinkRow, None, None]:
        for row in self._stream(
            f"SELECT originator_id, originator_version, hash FROM {self.chains.links} "
            "ORDER BY originator_id, originator_version"
        ):
            yield LinkRow(row[0], row[1], bytes(row[2]))

    def heads(self) -> Generator[LinkRow, None, None]:
        for row in self._stream(
            f"SELECT originator_id, version, hash FROM {self.chains.heads} "
            "ORDER BY originator_id"
        ):
            yield LinkRow(row[0], row[1], bytes(row[2]))

    def access_entries(self) -> Generator[EntryRow, None, None]:
        if self._has(self.chains.access_links):
            for row in self._stream(
                f"SELECT id, {LINKED_COLUMNS} FROM {self.chains.access_log} ORDER BY id"
            ):
                yield EntryRow.of(row)

    def access_links(self) -> Generator[tuple[int, bytes], None, None]:
        if self._has(self.chains.access_links):
            for row in self._stream(
                f"SELECT id, hash FROM {self.chains.access_links} ORDER BY id"
            ):
                yield int(row[0]), bytes(row[1])

    def _has(self, table: str) -> bool:
        row = self.conn.execute(
            b"SELECT to_regclass(%s) IS NOT NULL AS present", (table,)
        ).fetchone()
        return bool(row["present"])

    def _stream(self, sql: str) -> Iterator[tuple[Any, ...]]:
        self._cursors += 1
        name = f"trajectory_verify_{self._cursors}"
        with self.conn.cursor(name, row_factory=tuple_row) as cursor:
            cursor.itersize = FETCH
            cursor.execute(sql.encode())
            yield from cursor


class SQLiteChains:
    def __init__(self, recorder: SQLiteApplicationRecorder) -> None:
        self.datastore = recorder.datastore
        self.events = recorder.events_table_name

    def write(self, c: Any, stored_events: Sequence[StoredEvent]) -> None:
        ids = list({_hex(e.originator_id) for e in stored_events})
        heads: dict[UUID, tuple[int, bytes]] = {}
        cut: set[UUID] = set()
        for start in range(0, len(ids), 500):  # SQLite limits the parameters
            chunk = ids[start : start + 500]
            c.execute(
                f"SELECT h.originator_id, h.version, h.hash, EXISTS (SELECT 1 FROM "
                f"{self.events} e WHERE e.originator_id = h.originator_id AND "
                f"e.originator_version = h.version) FROM {HEADS_TABLE} h "
                f"WHERE h.originator_id IN ({', '.join('?' * len(chunk))})",
                chunk,
            )
            for raw_id, version, hashed, stored in c.fetchall():
                heads[UUID(raw_id)] = (version, bytes(hashed))
                if not stored:
                    cut.add(UUID(raw_id))

        def last_stored(aggregate_id: UUID, below: int) -> int:
            c.execute(
                f"SELECT max(originator_version) FROM {self.events} "
                "WHERE originator_id = ? AND originator_version < ?",
                (aggregate_id.hex, below),
            )
            row = c.fetchone()
            return int(row[0] or 0) if row else 0

        linked = chain(stored_events, heads, last_stored, cut=cut)
        c.executemany(
            f"INSERT INTO {LINKS_TABLE} (originator_id, originator_version, hash) "
            "VALUES (?, ?, ?)",
            [(a.hex, v, h) for a, v, h in linked.links],
        )
        c.executemany(
            f"INSERT INTO {HEADS_TABLE} (originator_id, version, hash) "
            "VALUES (?, ?, ?) ON CONFLICT (originator_id) DO UPDATE "
            "SET version = excluded.version, hash = excluded.hash",
            [(a.hex, v, h) for a, v, h in linked.heads],
        )

    def set_up(self) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = ?", (LINKS_TABLE,)
            )
            if c.fetchone()[0]:
                return
            c.execute(
                f"CREATE TABLE {LINKS_TABLE} (originator_id TEXT NOT NULL, "
                "originator_version INTEGER NOT NULL, hash BLOB NOT NULL, "
                "PRIMARY KEY (originator_id, originator_version)) WITHOUT ROWID"
            )
            c.execute(
                f"CREATE TABLE IF NOT EXISTS {HEADS_TABLE} (originator_id TEXT "
                "PRIMARY KEY, version INTEGER NOT NULL, hash BLOB NOT NULL) "
                "WITHOUT ROWID"
            )
            c.execute(
                f"SELECT originator_id, originator_version, topic, state "
                f"FROM {self.events} ORDER BY originator_id, originator_version"
            )
            existing = [
                StoredEvent(UUID(row[0]), row[1], row[2], bytes(row[3]))
                for row in c.fetchall()
            ]
            if existing:
                self.write(c, existing)

    @contextmanager
    def reading(self) -> Iterator[ChainSource]:
        with self.datastore.transaction(commit=False) as c:
            yield _SQLiteSource(c.sqlite_cursor.connection, self.events)


class _SQLiteSource(ChainSource):
    def __init__(self, connection: Any, events: str) -> None:
        self.connection, self.table = connection, events

    def count(self) -> int:
        return int(
            self.connection.execute(f"SELECT count(*) FROM {self.table}").fetchone()[0]
        )

    def events(self) -> Generator[EventRow, None, None]:
        for row in self._stream(
            # By the canonical id: a row forged with another spelling of an id
            # (upper case, hyphens) then meets the history it pretends to join.
            f"SELECT lower(replace(originator_id, '-', '')), originator_version, "
            f"topic, state, rowid FROM {self.table} "
            "ORDER BY 1, originator_version"
        ):
            yield EventRow(UUID(row[0]), row[1], _text(row[2]), _bytes(row[3]), row[4])

    def links(self) -> Generator[LinkRow, None, None]:
        for row in self._stream(
            f"SELECT originator_id, originator_version, hash FROM {LINKS_TABLE} "
            "ORDER BY originator_id, originator_version"
        ):
            yield LinkRow(UUID(row[0]), row[1], bytes(row[2]))

    def heads(self) -> Generator[LinkRow, None, None]:
        for row in self._stream(
            f"SELECT originator_id, version, hash FROM {HEADS_TABLE} "
            "ORDER BY originator_id"
        ):
            yield LinkRow(UUID(row[0]), row[1], bytes(row[2]))

    def access_entries(self) -> Generator[EntryRow, None, None]:
        if self._has(ACCESS_LINKS_TABLE):
            for row in self._stream(
                f"SELECT id, {LINKED_COLUMNS} FROM {ACCESS_LOG_TABLE} ORDER BY id"
            ):
                yield EntryRow.of(row)

    def access_links(self) -> Generator[tuple[int, bytes], None, None]:
        if self._has(ACCESS_LINKS_TABLE):
            for row in self._stream(
                f"SELECT id, hash FROM {ACCESS_LINKS_TABLE} ORDER BY id"
            ):
                yield int(row[0]), _bytes(row[1])

    def _has(self, table: str) -> bool:
        row = self.connection.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = ?", (table,)
        ).fetchone()
        return bool(row[0])

    def _stream(self, sql: str) -> Iterator[tuple[Any, ...]]:
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql)
            while rows := cursor.fetchmany(FETCH):
                yield from rows
        finally:
            cursor.close()


def _columns(rows: list[tuple[UUID, int, bytes]]) -> tuple[list[Any], ...]:
    return (
        [r[0] for r in rows],
        [r[1] for r in rows],
        [r[2] for r in rows],
    )


def _hex(value: UUID | str) -> str:
    return value.hex if isinstance(value, UUID) else UUID(value).hex


def _text(value: Any) -> str:
    """A stored topic; whatever someone put there instead is hashed as text."""
    return value if isinstance(value, str) else str(value)


def _bytes(value: Any) -> bytes:
    """A stored state; a value of another type (SQLite keeps what it is given) is
    hashed as its text, so it fails its link instead of failing the verification."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode()
