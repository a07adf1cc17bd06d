"""The heavy reads from a standby, with read-your-writes.

With ``TRAJECTORY_STANDBY_URL`` set, the reads that scan much (outcome figures, the
caseload and trajectory lists, replays of a history, verification) run on a standby
of the PostgreSQL cluster rather than on the primary that takes the writes. Every
other read, and every write, goes to the primary.

Read-your-writes. A standby replays the primary's write-ahead log a moment after
the primary commits (the synchronous standby has a commit on disk before it is
acknowledged, but may not have replayed it yet). So a routed read first asks the
primary how far its log is flushed (``pg_current_wal_flush_lsn()``): every commit
acknowledged so far lies before that position, the caller's last write among them,
whichever process took it. A standby connection serves the read only once the
standby has replayed its log up to there (``pg_last_wal_replay_lsn()``), waited for
at most ``standby_max_wait`` seconds; else the read goes to the primary. A reader
thus sees at least what the primary held when the read began.

A standby that falls behind so, that cannot be reached, or fails, is skipped for
``standby_skip_for`` seconds: routed reads go straight to the primary meanwhile,
without waiting. Where no standby answers, a ``prefer-standby`` endpoint connects
to the primary, and the read is served there (a primary is never behind itself).

How. The library's pool of the store's connections is wrapped (``RoutedPool``):
while a thread is in a ``Reads.standby()`` block, the connections it takes come
from the standby's pool, each checked against the position; other threads, and the
same thread outside the block, take the primary's. Nothing in a block may write.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import ParamSpec
from typing import TypeVar

import psycopg
from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.postgres import PostgresDatastore
from psycopg.rows import DictRow
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from application.cluster import connection_options
from application.projections.source import EventSource
from application.settings import Settings

log = logging.getLogger("trajectory.routing")

P = ParamSpec("P")
T = TypeVar("T")

REPLAY_POLL = 0.002  # seconds between two looks at how far a standby has replayed
CONNECT_AT_LEAST = 0.2  # seconds a read may wait for a standby connection


@dataclass
class Route:
    """One routed block: the primary's flushed log position when it began (None
    while the standby is skipped), until when a standby may be waited for, and the
    standbys (host, port) seen to have replayed up to the position (their other
    connections need no look)."""

    position: str | None
    deadline: float
    caught_up: set[tuple[str, int]] = field(default_factory=set)


_ROUTE: ContextVar[Route | None] = ContextVar("trajectory_route", default=None)


class Reads:
    """Where the heavy reads go: here, to the primary like everything else (SQLite,
    or no standby configured). ``StandbyReads`` sends them to a standby."""

    @contextmanager
    def standby(self) -> Iterator[None]:
        """The reads of this thread in the block may be served by a standby."""
        yield

    def routed(self, read: Callable[P, T]) -> Callable[P, T]:
        """``read``, its reads served by a standby (same name, docstring and
        signature)."""

        @functools.wraps(read)
        def routed_read(*args: P.args, **kwargs: P.kwargs) -> T:
            with self.standby():
                return read(*args, **kwargs)

        return routed_read

    def source(self, source: EventSource) -> EventSource:
        """``source``, its reads served by a standby (for replays of the log)."""
        return source

    def counts(self) -> dict[str, int]:
        """Connections taken in routed blocks, by where they went ("standby",
        "primary"), and the times a standby was skipped ("skipped")."""
        return {}

    def servers(self) -> dict[str, int]:
        """The standby connections that served routed reads, by host:port."""
        return {}

    def close(self) -> None:
        return


class StandbyReads(Reads):
    def __init__(
        self,
        datastore: PostgresDatastore,
        standby_env: dict[str, str],
        *,
        max_wait: float,
        skip_for: float,
        pool_size: int,
        max_overflow: int,
    ) -> None:
        self.datastore = datastore
        self.max_wait = max_wait
        self.skip_for = skip_for
        self.primary: ConnectionPool[Any] = datastore.pool
        self.standby_pool: ConnectionPool[psycopg.Connection[DictRow]] = ConnectionPool(
            connection_class=psycopg.Connection[DictRow],
            kwargs={
                "dbname": standby_env["POSTGRES_DBNAME"],
                "host": standby_env["POSTGRES_HOST"],
                "port": standby_env["POSTGRES_PORT"],
                "user": standby_env["POSTGRES_USER"],
                "password": standby_env["POSTGRES_PASSWORD"],
                "row_factory": dict_row,
                **connection_options(standby_env),
            },
            min_size=1,
            max_size=pool_size + max_overflow,
            open=False,
            configure=datastore.after_connect_func(),
            timeout=max(max_wait, CONNECT_AT_LEAST),
            name="standby",
        )
        self.endpoint = describe(standby_env)
        self._skipped_until = 0.0
        self._renewed_at = time.monotonic()
        self._counts: Counter[str] = Counter()
        self._servers: Counter[str] = Counter()
        self._lock = threading.Lock()
        datastore.pool = RoutedPool(self)  # type: ignore[assignment]

    # Routing ---------------------------------------------------------------------

    @contextmanager
    def standby(self) -> Iterator[None]:
        if _ROUTE.get() is not None:
            yield  # within a routed block already: its route holds
            return
        position = None if self.skipping() else self._primary_position()
        token = _ROUTE.set(Route(position, time.monotonic() + self.max_wait))
        try:
            yield
        finally:
            _ROUTE.reset(token)

    def source(self, source: EventSource) -> EventSource:
        return _RoutedSource(source, self)

    def skipping(self) -> bool:
        return time.monotonic() < self._skipped_until

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def servers(self) -> dict[str, int]:
        with self._lock:
            return dict(self._servers)

    def close(self) -> None:
        self.standby_pool.close()

    def _primary_position(self) -> str:
        """How far the primary's log is flushed: past every acknowledged commit.
        Through the library's connection (not routed yet): a primary that cannot
        be reached is the library's OperationalError, answered 503."""
        with self.datastore.get_connection() as connection:
            row = connection.execute(
                b"SELECT pg_current_wal_flush_lsn()::text AS position"
            ).fetchone()
        assert row is not None
        return str(row["position"])

    def note(self, what: str) -> None:
        with self._lock:
            self._counts[what] += 1

    def _skip(self, why: str) -> None:
        with self._lock:
            already = time.monotonic() < self._skipped_until
            self._skipped_until = time.monotonic() + self.skip_for
            self._counts["skipped"] += 1
        if not already:
            log.warning(
                "the standby at %s %s: heavy reads go to the primary for %g s",
                self.endpoint,
                why,
                self.skip_for,
            )

    def connection_for(self, route: Route) -> psycopg.Connection[DictRow] | None:
        """A standby connection that has replayed up to the route's position, or
        None (then the primary serves): the standby is skipped from now if it
        cannot be reached, fails, or does not get there in time."""
        if route.position is None or self.skipping():
            return None
        self.standby_pool.open(wait=False)
        wait = max(route.deadline - time.monotonic(), CONNECT_AT_LEAST)
        try:
            connection = self.standby_pool.getconn(timeout=wait)
        except psycopg.Error as error:  # PoolTimeout: no standby answers
            self._skip(f"cannot be reached ({error})")
            return None
        try:
            if self._caught_up(connection, route):
                with self._lock:
                    self._servers[f"{connection.info.host}:{connection.info.port}"] += 1
                return connection
            problem = f"has not replayed up to {route.position} in {self.max_wait} s"
        except psycopg.Error as error:
            problem = f"failed ({type(error).__name__}: {error})"
        self.standby_pool.putconn(connection)
        self._skip(problem)
        return None

    def _caught_up(self, connection: psycopg.Connection[DictRow], route: Route) -> bool:
        server = (connection.info.host, connection.info.port)
        if server in route.caught_up:
            return True
        while True:
            row = connection.execute(
                b"SELECT pg_is_in_recovery() AS standby, "
                b"pg_last_wal_replay_lsn() >= %s::pg_lsn AS replayed",
                (route.position,),
            ).fetchone()
            assert row is not None
            if not row["standby"]:
                self._found_a_primary()
            if not row["standby"] or row["replayed"]:
                route.caught_up.add(server)
                return True
            if time.monotonic() >= route.deadline:
                return False
            time.sleep(REPLAY_POLL)  # replication, not a view: nothing to wait on

    def _found_a_primary(self) -> None:
        """The standby endpoint gave a primary (prefer-standby, while no standby
        answered; or a standby promoted since). It serves, but the pool's
        connections are renewed now and then (every ``skip_for`` seconds at
        most), so that they go back to a standby once one answers again."""
        with self._lock:
            now = time.monotonic()
            if now - self._renewed_at < max(self.skip_for, 1.0):
                return
            self._renewed_at = now
        self.standby_pool.drain()


class RoutedPool:
    """Stands in for the library's pool of the store's connections: a connection
    taken in a routed block comes from the standby's pool when one has caught up,
    any other from the primary's pool (which it is otherwise, for every attribute
    the library and the service use)."""

    def __init__(self, reads: StandbyReads) -> None:
        self._reads = reads
        self._primary = reads.primary

    def __getattr__(self, name: str) -> Any:
        return getattr(self._primary, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
        else:  # a setting of the pool (reconnect_timeout, ...): the primary's
            setattr(self._primary, name, value)

    @contextmanager
    def connection(self, timeout: float | None = None) -> Iterator[Any]:
        route = _ROUTE.get()
        standby = self._reads.connection_for(route) if route is not None else None
        if route is not None:
            self._reads.note("primary" if standby is None else "standby")
        if standby is None:
            with self._primary.connection(timeout) as connection:
                yield connection
            return
        try:
            with standby:  # commits or rolls back; a pool's connection stays open
                yield standby
        finally:
            self._reads.standby_pool.putconn(standby)

    def close(self, timeout: float = 5.0) -> None:
        self._reads.close()
        self._primary.close(timeout)

    def __enter__(self) -> RoutedPool:
        self._primary.__enter__()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._reads.close()
        self._primary.__exit__(*exc_info)


class _RoutedSource(EventSource):
    """An event source whose reads are served by a standby: the log's head, counts,
    and the ordered stream of a replay (which takes its connection on its first
    row, in the routed block, and keeps it to the end)."""

    def __init__(self, source: EventSource, reads: StandbyReads) -> None:
        super().__init__(source.recorder)
        self._source = source
        self._reads = reads

    def head(self) -> int:
        with self._reads.standby():
            return self._source.head()

    def count(self, topics: Sequence[str], upto: int) -> int:
        with self._reads.standby():
            return self._source.count(topics, upto)

    def stream(
        self, topics: Sequence[str], upto: int
    ) -> Iterator[tuple[Any, int, str, bytes]]:
        rows = self._source.stream(topics, upto)
        with self._reads.standby():
            first = next(rows, None)
        if first is None:
            return
        yield first
        yield from rows


def describe(env: dict[str, str]) -> str:
    """host:port[,host:port...] of a connection's settings, for messages."""
    hosts = env["POSTGRES_HOST"].split(",")
    ports = env["POSTGRES_PORT"].split(",")
    if len(ports) == 1:
        ports = ports * len(hosts)
    return ",".join(f"{host}:{port}" for host, port in zip(hosts, ports, strict=True))


def reads_for(recorder: ApplicationRecorder, settings: Settings) -> Reads:
    """Standby reads where a standby is configured for a PostgreSQL store; else
    every read on the primary."""
    standby_env = settings.standby_env()
    if standby_env is None or not isinstance(recorder, PostgresApplicationRecorder):
        return Reads()
    return StandbyReads(
        recorder.datastore,
        standby_env,
        max_wait=settings.standby_max_wait,
        skip_for=settings.standby_skip_for,
        pool_size=settings.postgres_pool_size,
        max_overflow=settings.postgres_max_overflow,
    )
