"""A view's tables, behind one interface with a PostgreSQL and an SQLite implementation.

A view keeps one row per trajectory in a table of its current *generation*
(``outcome_facts_g3``), next to that generation's tracking table, which holds how far
into the event log the rows are. Queries read a database view with the plain name
(``outcome_facts``) that points at the active generation. A rebuild fills a fresh
generation while the active one keeps serving, then repoints the database view in one
transaction: the switch is atomic for every reader.

Each batch of events is written in one transaction with the generation's tracking
record. The transaction first locks the view's row in ``projection_generations``
and checks that the generation's position is still the one the events were read
after, so two runners never apply the same events twice, and a crash between
batches loses nothing: the next runner starts from the position that committed.
"""

from __future__ import annotations

from abc import ABC
from abc import abstractmethod
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import AbstractContextManager
from contextlib import contextmanager
from typing import Any
from typing import Generic
from typing import TypeVar
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from eventsourcing.persistence import Tracking
from eventsourcing.persistence import TrackingRecorder

from application.projections.events import EventRecord
from application.projections.events import reading
from application.projections.rows import RETRACTION
from application.projections.rows import TrajectoryRow
from application.projections.sql import Cursor
from application.projections.sql import GenerationBehind
from application.projections.sql import PositionMoved
from application.projections.sql import chunks
from application.projections.sql import fingerprint

R = TypeVar("R", bound=TrajectoryRow)

GENERATIONS_TABLE = "projection_generations"
TRACKING_TABLE = "projection_tracking"
COPY_CHUNK = 1_000


class ProjectionView(TrackingRecorder, ABC, Generic[R]):
    """One view (``outcome_facts``, ``caseload_rows``) in one database.

    As a TrackingRecorder it reports the active generation's position, so the
    library's ``wait(application_name, notification_id)`` waits for the view.
    """

    def __init__(
        self, datastore: Any, table: str, row_class: type[R], application_name: str
    ) -> None:
        self.datastore = datastore
        self.table = table
        self.row_class = row_class
        self.application_name = application_name
        self.columns = row_class.stored_columns()
        self.fingerprint = fingerprint(self.columns, row_class.revision, reading())
        self._readers = self._conversions(self.reader)
        self._writers = self._conversions(self.writer)

    def _conversions(
        self, conversion: Callable[[str], Callable[[Any], Any] | None]
    ) -> list[tuple[int, Callable[[Any], Any]]]:
        return [
            (index, convert)
            for index, column in enumerate(self.columns)
            if (convert := conversion(column.kind)) is not None
        ]

    # Dialect ---------------------------------------------------------------------

    @abstractmethod
    def writing(self) -> AbstractContextManager[Cursor]:
        """A transaction that commits when the block ends without error."""

    @abstractmethod
    def reading(self) -> AbstractContextManager[Cursor]:
        """A read-only transaction: one consistent snapshot."""

    @abstractmethod
    def name(self, table: str) -> str:
        """The quoted, qualified name of one of the view's tables."""

    @abstractmethod
    def sql_type(self, kind: str) -> str: ...

    @abstractmethod
    def lock_setup(self, cursor: Cursor) -> None:
        """Serialises set-ups of the views by processes starting at once."""

    @abstractmethod
    def view_exists(self, cursor: Cursor) -> bool:
        """Whether the database view that queries read exists."""

    @abstractmethod
    def lock_view(self, cursor: Cursor) -> None:
        """Locks the view's row in ``projection_generations`` until commit."""

    @abstractmethod
    def reader(self, kind: str) -> Callable[[Any], Any] | None:
        """Turns a value of the kind as the database gives it into what the rows
        fold (ISO dates, lists, UUIDs); None where nothing needs doing."""

    @abstractmethod
    def writer(self, kind: str) -> Callable[[Any], Any] | None:
        """Turns a row's value of the kind into what the database takes; None
        where nothing needs doing."""

    @abstractmethod
    def select_rows(
        self, cursor: Cursor, table: str, ids: Sequence[UUID]
    ) -> list[Sequence[Any]]: ...

    @abstractmethod
    def upsert_rows(
        self, cursor: Cursor, table: str, rows: Sequence[Sequence[Any]]
    ) -> None: ...

    @abstractmethod
    def append_rows(
        self, cursor: Cursor, table: str, rows: Sequence[Sequence[Any]]
    ) -> None:
        """Inserts rows into a fresh table (the fastest way the database has)."""

    @abstractmethod
    def scratch(self) -> AbstractContextManager[Cursor]:
        """A transaction for temporary tables, which may stay open for as long as
        a replay of the whole history takes, without holding up writers."""

    @abstractmethod
    def temporary_name(self, table: str) -> str:
        """The qualified name of a temporary table of this connection."""

    @abstractmethod
    def median(self, column: str, dims: Sequence[str], table: str, where: str) -> str:
        """A query of ``dims`` and the median of ``column`` per group (the mean of
        the middle two for an even count), over rows where ``column`` is set."""

    def values_aggregate(self, column: str) -> str | None:
        """An aggregate that gathers the values of ``column`` where it is set into
        one list per group, to go in a query with others (the median is worked out
        from the list); None when the database has none (then ``median`` makes a
        query of its own)."""
        return None

    def analyze(self, cursor: Cursor, table: str) -> None:
        """Gathers the statistics the database plans its queries of ``table`` by,
        once the table is filled (nothing, for a database that plans without)."""

    @contextmanager
    def temporary(self, rows: Iterable[R]) -> Iterator[tuple[Cursor, str]]:
        """A temporary table of the view's columns holding ``rows``, for queries in
        the yielded cursor's transaction; the live tables are not touched."""
        table = self.temporary_name(f"{self.table}_replay")
        columns = ", ".join(f"{c.name} {self.sql_type(c.kind)}" for c in self.columns)
        with self.scratch() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(f"CREATE TEMPORARY TABLE {table} ({columns})")
            for chunk in chunks((self._values(row) for row in rows), COPY_CHUNK):
                self.append_rows(cursor, table, chunk)
            self.analyze(cursor, table)
            try:
                yield cursor, table
            finally:
                cursor.execute(f"DROP TABLE IF EXISTS {table}")

    @abstractmethod
    def rebuild_lock(self) -> AbstractContextManager[None]:
        """Held for a whole rebuild; raises RebuildInProgress if taken."""

    # Names -----------------------------------------------------------------------

    def rows_table(self, generation: int) -> str:
        return f"{self.table}_g{generation}"

    def create_generation_statements(self, generation: int) -> list[str]:
        columns = ", ".join(
            f"{c.name} {self.sql_type(c.kind)}"
            + (" PRIMARY KEY" if c.name == "trajectory_id" else "")
            for c in self.columns
        )
        table = self.rows_table(generation)
        return [
            f"CREATE TABLE IF NOT EXISTS {self.name(table)} ({columns})",
            *(
                f"CREATE INDEX IF NOT EXISTS {table}_{column} "
                f"ON {self.name(table)} ({column})"
                for column in self.row_class.indexed
            ),
        ]

    def point_view_statements(self, generation: int) -> list[str]:
        return [
            f"DROP VIEW IF EXISTS {self.name(self.table)}",
            f"CREATE VIEW {self.name(self.table)} AS SELECT * FROM "
            f"{self.name(self.rows_table(generation))}",
        ]

    # Set-up ----------------------------------------------------------------------

    def setup(self) -> None:
        """Creates the view's first generation, unless it exists (idempotent, and
        safe when two processes start at once)."""
        with self.writing() as cursor:
            self.lock_setup(cursor)
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {self.name(GENERATIONS_TABLE)} ("
                "view TEXT PRIMARY KEY, active INTEGER NOT NULL, "
                "next_generation INTEGER NOT NULL, fingerprint TEXT NOT NULL)"
            )
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {self.name(TRACKING_TABLE)} ("
                "view TEXT NOT NULL, generation INTEGER NOT NULL, "
                "application_name TEXT NOT NULL, notification_id BIGINT NOT NULL, "
                "PRIMARY KEY (view, generation, application_name))"
            )
        # A write first, so that SQLite takes its write lock before any read.
        with self.writing() as cursor:
            self.lock_setup(cursor)
            cursor.execute(
                f"INSERT INTO {self.name(GENERATIONS_TABLE)} "
                "(view, active, next_generation, fingerprint) VALUES (%s, 1, 2, %s) "
                "ON CONFLICT (view) DO NOTHING",
                (self.table, self.fingerprint),
            )
            self.lock_view(cursor)
            active, _ = self._generations(cursor)
            for statement in self.create_generation_statements(active):
                cursor.execute(statement)
            if not self.view_exists(cursor):
                for statement in self.point_view_statements(active):
                    cursor.execute(statement)

    def _generations(self, cursor: Cursor) -> tuple[int, str]:
        cursor.execute(
            f"SELECT active, fingerprint FROM {self.name(GENERATIONS_TABLE)} "
            "WHERE view = %s",
            (self.table,),
        )
        row = cursor.fetchone()
        assert row is not None, f"the {self.table} view is not set up"
        return int(row[0]), str(row[1])

    def active(self) -> int:
        with self.reading() as cursor:
            return self._generations(cursor)[0]

    def is_stale(self) -> bool:
        """True when the active generation was built with other columns."""
        with self.reading() as cursor:
            return self._generations(cursor)[1] != self.fingerprint

    def standing(self) -> tuple[int | None, bool]:
        """The active generation's position and whether it is stale, read together
        (``position`` and ``is_stale`` in one transaction)."""
        with self.reading() as cursor:
            active, fingerprint = self._generations(cursor)
            return self._position(cursor, active), fingerprint != self.fingerprint

    # Positions -------------------------------------------------------------------

    def position(self, generation: int | None = None) -> int | None:
        with self.reading() as cursor:
            if generation is None:
                generation = self._generations(cursor)[0]
            return self._position(cursor, generation)

    def _position(self, cursor: Cursor, generation: int) -> int | None:
        cursor.execute(
            f"SELECT notification_id FROM {self.name(TRACKING_TABLE)} "
            "WHERE view = %s AND generation = %s AND application_name = %s",
            (self.table, generation, self.application_name),
        )
        row = cursor.fetchone()
        return None if row is None else int(row[0])

    def _track(self, cursor: Cursor, generation: int, tracking: Tracking) -> None:
        current = self._position(cursor, generation)
        if current is not None and current >= tracking.notification_id:
            raise IntegrityError(
                f"{self.table} generation {generation} is at {current} already: "
                f"{tracking.notification_id} would go back"
            )
        table = self.name(TRACKING_TABLE)
        if current is None:
            cursor.execute(
                f"INSERT INTO {table} "
                "(view, generation, application_name, notification_id) "
                "VALUES (%s, %s, %s, %s)",
                (
                    self.table,
                    generation,
                    tracking.application_name,
                    tracking.notification_id,
                ),
            )
        else:
            cursor.execute(
                f"UPDATE {table} SET notification_id = %s "
                "WHERE view = %s AND generation = %s AND application_name = %s",
                (
                    tracking.notification_id,
                    self.table,
                    generation,
                    tracking.application_name,
                ),
            )

    # The library's TrackingRecorder interface --------------------------------------

    def max_tracking_id(self, application_name: str) -> int | None:
        assert application_name == self.application_name, application_name
        return self.position()

    def insert_tracking(self, tracking: Tracking) -> None:
        self.process([], tracking, after=self.position())

    # Processing ------------------------------------------------------------------

    def process(
        self,
        events: Sequence[EventRecord],
        tracking: Tracking,
        *,
        after: int | None,
        generation: int | None = None,
        histories: Callable[[UUID, int], list[EventRecord]] | None = None,
    ) -> None:
        """Applies a batch of events read after position ``after`` and moves the
        position to ``tracking``, in one transaction. Without ``generation`` the
        batch goes to the active one. ``histories(trajectory_id, version)`` gives a
        trajectory's events up to a version, to refold one with a retraction."""
        by_trajectory: dict[UUID, list[EventRecord]] = {}
        for event in events:
            by_trajectory.setdefault(event.trajectory_id, []).append(event)
        refolded: dict[UUID, R | None] = {}
        for trajectory_id, own in by_trajectory.items():
            if any(e.type == RETRACTION for e in own):
                if histories is None:
                    raise ValueError("a retraction needs the trajectory's history")
                last = own[-1].version
                refolded[trajectory_id] = self.row_class.fold(
                    histories(trajectory_id, last)
                )
        with self.writing() as cursor:
            self.lock_view(cursor)
            target = self._generations(cursor)[0] if generation is None else generation
            if self._position(cursor, target) != after:
                raise PositionMoved(self.table)
            table = self.rows_table(target)
            loaded = {
                row.trajectory_id: row
                for row in map(
                    self._row,
                    self.select_rows(
                        cursor,
                        self.name(table),
                        [t for t in by_trajectory if t not in refolded],
                    ),
                )
            }
            changed: dict[UUID, R] = {}
            for trajectory_id, own in by_trajectory.items():
                if trajectory_id in refolded:
                    row = refolded[trajectory_id]
                    if row is not None:
                        changed[trajectory_id] = row
                    continue
                current = loaded.get(trajectory_id)
                for event in own:
                    if current is None:
                        if event.type == "ReferralReceived":
                            current = self.row_class.referred(event)
                    else:
                        current.apply(event)
                if current is not None:
                    changed[trajectory_id] = current
            if changed:
                self.upsert_rows(
                    cursor,
                    self.name(table),
                    [self._values(row) for row in changed.values()],
                )
            self._track(cursor, target, tracking)

    def _row(self, values: Sequence[Any]) -> R:
        plain = list(values)
        for index, convert in self._readers:
            if plain[index] is not None:
                plain[index] = convert(plain[index])
        return self.row_class.from_values(plain)

    def _values(self, row: R) -> list[Any]:
        values = list(row.values())
        for index, convert in self._writers:
            if values[index] is not None:
                values[index] = convert(values[index])
        return values

    # Rebuilding ------------------------------------------------------------------

    def new_generation(self) -> int:
        """Creates empty tables for the next generation, and drops any a crashed
        rebuild left behind."""
        with self.writing() as cursor:
            self.lock_view(cursor)
            cursor.execute(
                f"UPDATE {self.name(GENERATIONS_TABLE)} "
                "SET next_generation = next_generation + 1 WHERE view = %s",
                (self.table,),
            )
            cursor.execute(
                f"SELECT next_generation - 1, active FROM "
                f"{self.name(GENERATIONS_TABLE)} WHERE view = %s",
                (self.table,),
            )
            row = cursor.fetchone()
            assert row is not None
            generation, active = int(row[0]), int(row[1])
            for leftover in range(1, generation):
                if leftover != active:
                    self._drop(cursor, leftover)
            for statement in self.create_generation_statements(generation):
                cursor.execute(statement)
        return generation

    def load(
        self,
        generation: int,
        rows: Iterable[R],
        tracking: Tracking,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Fills a fresh generation with rows folded up to ``tracking``, in chunks;
        the tracking record goes in with the last chunk."""
        table = self.rows_table(generation)
        pieces = chunks((self._values(row) for row in rows), COPY_CHUNK)
        chunk = next(pieces, [])
        while True:
            following = next(pieces, None)
            with self.writing() as cursor:
                self.lock_view(cursor)
                if chunk:
                    self.append_rows(cursor, self.name(table), chunk)
                if following is None:
                    self.analyze(cursor, self.name(table))
                    self._track(cursor, generation, tracking)
            if progress is not None:
                progress(len(chunk))
            if following is None:
                return
            chunk = following

    def switch(self, generation: int) -> int:
        """Makes ``generation`` the one queries read and the live runner feeds, in
        one transaction, and drops the one it replaces. Returns the old one.
        Refuses (GenerationBehind) while the new one is behind the old one, so the
        view's position never goes back."""
        with self.writing() as cursor:
            self.lock_view(cursor)
            old, _ = self._generations(cursor)
            behind = self._position(cursor, generation) or 0
            ahead = self._position(cursor, old) or 0
            if behind < ahead:
                raise GenerationBehind(self.table, behind, ahead)
            for statement in self.point_view_statements(generation):
                cursor.execute(statement)
            cursor.execute(
                f"UPDATE {self.name(GENERATIONS_TABLE)} "
                "SET active = %s, fingerprint = %s WHERE view = %s",
                (generation, self.fingerprint, self.table),
            )
            self._drop(cursor, old)
        return old

    def _drop(self, cursor: Cursor, generation: int) -> None:
        cursor.execute(f"DROP TABLE IF EXISTS {self.name(self.rows_table(generation))}")
        cursor.execute(
            f"DELETE FROM {self.name(TRACKING_TABLE)} "
            "WHERE view = %s AND generation = %s",
            (self.table, generation),
        )

    # Reading ---------------------------------------------------------------------

    def rows(self, where: str = "", params: Sequence[Any] = ()) -> Iterator[R]:
        """The view's rows (of the active generation), optionally filtered."""
        with self.reading() as cursor:
            columns = ", ".join(c.name for c in self.columns)
            cursor.execute(
                f"SELECT {columns} FROM {self.name(self.table)} {where}", params
            )
            records = cursor.fetchall()
        return iter([self._row(values) for values in records])
