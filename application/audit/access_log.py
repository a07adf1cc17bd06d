"""Who read whose personal data: one row per participant per read, never changed.

A read of personal data is recorded, and committed, before the data is answered: if
the log cannot be written, the read fails. The log holds ids, the reader's token and
the route, never the data read: no participant's name is copied into it.

The log is hash-chained (``application.audit.access_chain``): each entry's link is
written with it, in its transaction, after the lock that orders the entries, so a
verification finds an entry deleted, changed or added behind the service's back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from typing import Any
from uuid import UUID

from application.access import Caller
from application.access import Role
from application.audit.access_chain import ACCESS_LINKS_TABLE
from application.audit.access_chain import ACCESS_LOG_TABLE
from application.audit.access_chain import LINKED_COLUMNS
from application.audit.access_chain import EntryRow
from application.audit.access_chain import link_entries
from application.audit.chain import GENESIS
from application.storage import SideTables
from domain.errors import InvalidValue

COLUMNS = "token_id, name, role, organisation, participant_id, route, at"
ROWS_PER_INSERT = 100  # 700 parameters, well under SQLite's limit
DEFAULT_LIMIT = 100
MAX_LIMIT = 1_000


LOCK = "SELECT pg_advisory_xact_lock(hashtext('trajectory access log'))"


def links_table(tables: SideTables) -> list[str]:
    """The access log's links (schema version 3): one per entry, by its id."""
    hashed = "bytea" if tables.postgres else "BLOB"
    return [
        f"CREATE TABLE {tables.name(ACCESS_LINKS_TABLE)} ("
        f"id BIGINT PRIMARY KEY, hash {hashed} NOT NULL)"
    ]


@dataclass(frozen=True)
class AccessEntry:
    id: int  # increases in the order the entries were committed
    at: datetime
    token_id: UUID
    name: str
    role: Role
    organisation: str | None
    participant_id: UUID
    route: str


@dataclass(frozen=True)
class AccessLogPage:
    entries: list[AccessEntry]
    next_after: int | None  # the ``after`` of the next page; None on the last one


class AccessLog:
    """The access log, an append-only table beside the stored events."""

    def __init__(self, tables: SideTables) -> None:
        self.tables = tables
        self.table = tables.name(ACCESS_LOG_TABLE)
        self.links = tables.name(ACCESS_LINKS_TABLE)
        if tables.postgres:
            id_column = "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
            at_column = "TIMESTAMPTZ NOT NULL"
        else:
            id_column = "INTEGER PRIMARY KEY AUTOINCREMENT"
            at_column = "TEXT NOT NULL"  # ISO 8601 in UTC, microseconds: sortable
        tables.create(
            ACCESS_LOG_TABLE,
            f"CREATE TABLE IF NOT EXISTS {self.table} ("
            f"id {id_column}, at {at_column}, token_id TEXT NOT NULL, "
            "name TEXT NOT NULL, role TEXT NOT NULL, organisation TEXT, "
            "participant_id TEXT NOT NULL, route TEXT NOT NULL)",
            f"CREATE INDEX IF NOT EXISTS {ACCESS_LOG_TABLE}_participant "
            f"ON {self.table} (participant_id, id)",
            f"CREATE INDEX IF NOT EXISTS {ACCESS_LOG_TABLE}_at ON {self.table} (at)",
        )
        tables.append_only(ACCESS_LOG_TABLE)

    def record(
        self, caller: Caller, participant_ids: Iterable[UUID], route: str
    ) -> None:
        """Records that the caller read each of the participants' personal data by
        the route (a template, such as ``GET /participants/{participant_id}``): one
        row per distinct participant, all in one transaction."""
        at = self._stored_time(datetime.now(UTC))
        rows = [
            (
                str(caller.token_id),
                caller.name,
                caller.role.value,
                caller.organisation,
                str(participant_id),
                route,
                at,
            )
            for participant_id in dict.fromkeys(participant_ids)
        ]
        if not rows:
            return
        self.tables.patience.run(lambda: self._append(rows))

    def _append(self, rows: list[tuple[Any, ...]]) -> None:
        """Inserts the rows and their links in one transaction: first the rows (on
        SQLite that takes the write lock), then the last link before them, then the
        links, in id order."""
        with self.tables.transaction() as run:
            if self.tables.postgres:
                # One writer at a time, so that ids commit in increasing order, a
                # page read ``after`` an id never skips a row committed later, and
                # the chain follows the ids.
                run(LOCK, ())
            inserted: list[EntryRow] = []
            for start in range(0, len(rows), ROWS_PER_INSERT):
                chunk = rows[start : start + ROWS_PER_INSERT]
                values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
                params = [value for row in chunk for value in row]
                inserted += map(
                    EntryRow.of,
                    run(
                        f"INSERT INTO {self.table} ({COLUMNS}) VALUES {values} "
                        f"RETURNING id, {LINKED_COLUMNS}",
                        params,
                    ),
                )
            self._link(run, inserted)

    def _link(self, run: Any, entries: list[EntryRow]) -> None:
        """Links ``entries`` (just inserted, in this transaction) after the last
        recorded link."""
        last = run(f"SELECT hash FROM {self.links} ORDER BY id DESC LIMIT 1", ())
        previous = bytes(last[0][0]) if last else GENESIS
        links = link_entries(previous, entries)
        for start in range(0, len(links), ROWS_PER_INSERT):
            chunk = links[start : start + ROWS_PER_INSERT]
            values = ", ".join(["(%s, %s)"] * len(chunk))
            params = [value for link in chunk for value in link]
            run(f"INSERT INTO {self.links} (id, hash) VALUES {values}", params)

    def link_existing(self) -> int:
        """Links the entries written before the log was chained, once: only while
        no entry has a link (an upgraded store's first start). Returns how many."""
        with self.tables.transaction() as run:
            if self.tables.postgres:
                run(LOCK, ())
            if run(f"SELECT 1 FROM {self.links} LIMIT 1", ()):
                return 0
            rows = run(f"SELECT id, {LINKED_COLUMNS} FROM {self.table} ORDER BY id", ())
            entries = [EntryRow.of(row) for row in rows]
            if entries:
                self._link(run, entries)
            return len(entries)

    def entries(
        self,
        *,
        participant: UUID | None = None,
        since: datetime | None = None,
        limit: int = DEFAULT_LIMIT,
        after: int = 0,
    ) -> AccessLogPage:
        """The entries after the entry ``after``, oldest first; of one participant,
        and at or after ``since`` (a time with its zone), if given."""
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidValue(f"limit must be between 1 and {MAX_LIMIT}")
        conditions = ["id > %s"]
        params: list[Any] = [after]
        if participant is not None:
            conditions.append("participant_id = %s")
            params.append(str(participant))
        if since is not None:
            conditions.append("at >= %s")
            params.append(self._stored_time(since))
        rows = self.tables.run(
            (
                f"SELECT id, {COLUMNS} FROM {self.table} "
                f"WHERE {' AND '.join(conditions)} ORDER BY id LIMIT %s",
                [*params, limit + 1],
            ),
            commit=False,
        )
        entries = [self._entry(row) for row in rows[:limit]]
        next_after = entries[-1].id if len(rows) > limit else None
        return AccessLogPage(entries, next_after)

    def _stored_time(self, moment: datetime) -> datetime | str:
        if moment.tzinfo is None:
            raise InvalidValue("a time in the access log needs its time zone")
        try:
            moment = moment.astimezone(UTC)
        except OverflowError:  # 9999-12-31T20:00-05:00 is in the year 10000 in UTC
            raise InvalidValue(
                f"{moment.isoformat()} is beyond the last time there is "
                "(9999-12-31T23:59:59Z)"
            ) from None
        if self.tables.postgres:
            return moment
        return moment.isoformat(timespec="microseconds")

    @staticmethod
    def _entry(row: tuple[Any, ...]) -> AccessEntry:
        entry_id, token_id, name, role, organisation, participant_id, route, at = row
        moment = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
        return AccessEntry(
            id=int(entry_id),
            at=moment.astimezone(UTC),
            token_id=UUID(str(token_id)),
            name=str(name),
            role=Role(str(role)),
            organisation=None if organisation is None else str(organisation),
            participant_id=UUID(str(participant_id)),
            route=str(route),
        )
