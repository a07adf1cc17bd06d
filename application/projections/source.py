"""Reading the event log for the views: new events in batches, a trajectory's history,
and every trajectory's events in one ordered stream for a rebuild."""

from __future__ import annotations

import threading
from abc import ABC
from abc import abstractmethod
from collections.abc import Iterator
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import orjson
import psycopg
from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder

from application.projections.events import CODE_VERSIONS
from application.projections.events import TOPIC_PREFIX
from application.projections.events import EventRecord
from application.projections.events import decode
from application.projections.events import decode_stored
from application.projections.events import in_codes_shape
from application.transcoding import RETIRED_CODES

STREAM_CHUNK = 2_000
SORT_MEMORY = "64MB"
PING_TIMEOUT = 2


class EventSource(ABC):
    def __init__(self, recorder: ApplicationRecorder) -> None:
        self.recorder = recorder

    def head(self) -> int:
        """The last notification id: every event up to it has committed (writers
        lock the table, so ids are given out in commit order)."""
        return self.recorder.max_notification_id() or 0

    def after(
        self, position: int | None, limit: int, stop: int, topics: Sequence[str]
    ) -> tuple[list[EventRecord], int]:
        """Up to ``limit`` events after ``position`` up to ``stop``, and the position
        they take the reader to: ``stop`` when fewer came, as nothing else in
        between is for these topics."""
        notifications = self.recorder.select_notifications(
            start=(position or 0) + 1, limit=limit, stop=stop, topics=topics
        )
        events = [
            decode(UUID(str(n.originator_id)), n.originator_version, n.topic, n.state)
            for n in notifications
        ]
        reached = notifications[-1].id if len(notifications) == limit else stop
        return events, reached

    def history(self, trajectory_id: UUID, version: int) -> list[EventRecord]:
        return decode_stored(self.recorder.select_events(trajectory_id, lte=version))

    def trajectories(
        self, topics: Sequence[str], upto: int
    ) -> Iterator[list[EventRecord]]:
        """Every trajectory's events up to notification ``upto``, one trajectory at a
        time, oldest event first: memory holds one trajectory, whatever the log."""
        events: list[EventRecord] = []
        current: Any = None
        trajectory_id = UUID(int=0)
        skip, loads, record = len(TOPIC_PREFIX), orjson.loads, EventRecord
        retired, versions = bool(RETIRED_CODES), CODE_VERSIONS
        for raw_id, version, topic, state in self.stream(topics, upto):
            # The hot loop of a rebuild: plain comparisons, no calls it can spare.
            key = raw_id.int if raw_id.__class__ is UUID else raw_id
            if key != current:
                if events:
                    yield events
                current, events = key, []
                trajectory_id = raw_id if isinstance(raw_id, UUID) else UUID(raw_id)
            data, name = loads(state), topic[skip:]
            event = record(trajectory_id, version, name, data)
            if retired or data.get("class_version", 1) != versions.get(name, 1):
                event = in_codes_shape(event)  # ``rereads``, inlined
            events.append(event)
        if events:
            yield events

    @abstractmethod
    def count(self, topics: Sequence[str], upto: int) -> int:
        """How many events of these topics the log holds up to ``upto``."""

    @abstractmethod
    def stream(
        self, topics: Sequence[str], upto: int
    ) -> Iterator[tuple[Any, int, str, bytes]]:
        """(originator id, version, topic, state) ordered by originator and version."""

    def ping(self) -> None:
        """Raises unless the database answers."""
        self.head()

    def listen(self, wake: threading.Event, stop: threading.Event) -> None:
        """Sets ``wake`` whenever events are recorded, until ``stop`` is set, where
        the database can tell; returns at once where it cannot (then poll)."""
        return


class PostgresEventSource(EventSource):
    recorder: PostgresApplicationRecorder

    def stream(
        self, topics: Sequence[str], upto: int
    ) -> Iterator[tuple[Any, int, str, bytes]]:
        datastore = self.recorder.datastore
        table = f'"{datastore.schema}"."{self.recorder.events_table_name}"'
        with datastore.get_connection() as connection, connection.transaction():
            cursor = connection.cursor(row_factory=psycopg.rows.tuple_row)
            # In the order of the events' primary key, so that rows come as the
            # server reads them and the fold runs beside its reading: sorting a
            # scan sends nothing until the whole log is read and sorted (a third
            # more time at 20,000 trajectories; bench/README.md). The room to sort
            # is for a server that sorts all the same. This transaction only.
            cursor.execute(b"SET LOCAL enable_sort = off")
            cursor.execute(f"SET LOCAL work_mem = '{SORT_MEMORY}'".encode())
            yield from cursor.stream(
                f"SELECT originator_id, originator_version, topic, state FROM {table} "
                "WHERE notification_id <= %s AND topic = ANY(%s) "
                "ORDER BY originator_id, originator_version".encode(),
                (upto, list(topics)),
                binary=True,
                size=STREAM_CHUNK,
            )

    def count(self, topics: Sequence[str], upto: int) -> int:
        datastore = self.recorder.datastore
        table = f'"{datastore.schema}"."{self.recorder.events_table_name}"'
        with datastore.get_connection() as connection:
            row = connection.execute(
                f"SELECT count(*) AS n FROM {table} "
                "WHERE notification_id <= %s AND topic = ANY(%s)".encode(),
                (upto, list(topics)),
            ).fetchone()
        return int(row["n"]) if row else 0

    def _connect(self, timeout: int) -> psycopg.Connection[Any]:
        """A connection of its own, outside the pool (which retries for long), with
        the pool's parameters (a cluster's: to its primary, ``application.cluster``)."""
        kwargs: dict[str, Any] = self.recorder.datastore.pool.kwargs  # type: ignore[assignment]
        return psycopg.connect(
            **{k: v for k, v in kwargs.items() if k != "row_factory"}
            | {"autocommit": True, "connect_timeout": timeout},
        )

    def ping(self) -> None:
        with self._connect(timeout=PING_TIMEOUT) as connection:
            connection.execute(b"SELECT 1")

    def listen(self, wake: threading.Event, stop: threading.Event) -> None:
        """LISTENs on the channel the library NOTIFYs on each insert."""
        connection = self._connect(timeout=5)
        with connection:
            connection.execute(f'LISTEN "{self.recorder.channel_name}"'.encode())
            wake.set()  # anything recorded before listening
            while not stop.is_set():
                for _ in connection.notifies(timeout=0.1, stop_after=1):
                    wake.set()


class SQLiteEventSource(EventSource):
    recorder: SQLiteApplicationRecorder

    def stream(
        self, topics: Sequence[str], upto: int
    ) -> Iterator[tuple[Any, int, str, bytes]]:
        marks = ", ".join("?" * len(topics))
        with self.recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(
                "SELECT originator_id, originator_version, topic, state "
                f"FROM {self.recorder.events_table_name} "
                f"WHERE rowid <= ? AND topic IN ({marks}) "
                "ORDER BY originator_id, originator_version",
                (upto, *topics),
            )
            for row in cursor.sqlite_cursor:
                yield row[0], row[1], row[2], row[3]

    def count(self, topics: Sequence[str], upto: int) -> int:
        marks = ", ".join("?" * len(topics))
        with self.recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(
                f"SELECT count(*) FROM {self.recorder.events_table_name} "
                f"WHERE rowid <= ? AND topic IN ({marks})",
                (upto, *topics),
            )
            row = cursor.fetchone()
        return int(row[0]) if row else 0


def event_source(recorder: ApplicationRecorder) -> EventSource:
    if isinstance(recorder, PostgresApplicationRecorder):
        return PostgresEventSource(recorder)
    if isinstance(recorder, SQLiteApplicationRecorder):
        return SQLiteEventSource(recorder)
    raise TypeError(f"no event source for {type(recorder).__name__}")
