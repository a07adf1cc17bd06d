"""Feeding the views: batches on the live path, an ordered scan for a rebuild.

The library's ProjectionRunner commits one transaction per event, and its SQLite
recorder has no subscriptions. This runner reads ``select_notifications`` itself, so
it works on both databases, and applies many events per transaction with one
tracking record. It never waits to fill a batch: it takes what has committed, and
when nothing has, it sleeps until PostgreSQL NOTIFYs a new event (LISTEN), the
service in this process saves one, or the poll interval passes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from application.projections.events import EventRecord
from application.projections.source import EventSource
from application.projections.sql import GenerationBehind
from application.projections.sql import PositionMoved
from application.projections.view import ProjectionView

log = logging.getLogger("trajectory.projections")

BATCH_SIZE = 2_000
POLL_INTERVAL = 0.25
RETRY_AFTER_ERROR = 1.0
SWITCH_ATTEMPTS = 100


class TrajectoryProjection(Projection[ProjectionView[Any]]):
    """A view fed by trajectory events: ``name`` and ``topics`` as the library's
    projections have them; ``process_event`` takes a single event, ``process``
    a batch."""

    def __init__(
        self,
        view: ProjectionView[Any],
        name: str,
        topics: Sequence[str],
        histories: Callable[[UUID, int], list[EventRecord]],
    ) -> None:
        super().__init__(view)
        self.name = name
        self.topics = tuple(topics)
        self.histories = histories

    def process_event(self, domain_event: EventRecord, tracking: Tracking) -> None:
        """Applies one event, in its own transaction (a Runner batches instead)."""
        self.view.process(
            [domain_event],
            tracking,
            after=self.view.position(),
            histories=self.histories,
        )


@dataclass(frozen=True)
class RebuildReport:
    view: str
    generation: int
    head: int
    trajectories: int
    events: int
    seconds: float

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


class Runner:
    def __init__(
        self,
        source: EventSource,
        projections: Sequence[TrajectoryProjection],
        application_name: str,
        *,
        batch_size: int = BATCH_SIZE,
        poll_interval: float = POLL_INTERVAL,
    ) -> None:
        self.source = source
        self.projections = list(projections)
        self.application_name = application_name
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._last_pass = 0.0  # when the loop last read the log (monotonic)

    # One batch -------------------------------------------------------------------

    def step(
        self,
        projection: TrajectoryProjection,
        generation: int | None = None,
        limit: int | None = None,
        head: int | None = None,
    ) -> int:
        """Applies the next batch of committed events to the view (its active
        generation unless told), up to ``head`` (read now unless given); returns
        how far it moved (0: caught up)."""
        view = projection.view
        head = self.source.head() if head is None else head
        position = view.position(generation)
        if head <= (position or 0):
            return 0
        events, reached = self.source.after(
            position, limit or self.batch_size, head, projection.topics
        )
        try:
            view.process(
                events,
                Tracking(self.application_name, reached),
                after=position,
                generation=generation,
                histories=self.source.history,
            )
        except (PositionMoved, IntegrityError):
            log.debug("%s: another runner moved first; reading again", view.table)
        return reached - (position or 0)

    def catch_up(
        self,
        projection: TrajectoryProjection | None = None,
        generation: int | None = None,
    ) -> None:
        """Processes every committed event, in this thread."""
        for each in [projection] if projection else self.projections:
            while self.step(each, generation):
                pass

    # Running in the background -----------------------------------------------------

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._threads:
            return
        self._stop.clear()
        self._last_pass = time.monotonic()  # healthy from now until a pass fails
        self._threads = [
            threading.Thread(target=self._loop, name="projections", daemon=True),
            threading.Thread(
                target=self._listen, name="projections-listen", daemon=True
            ),
        ]
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []

    def healthy(self, within: float) -> bool:
        """Whether the runner is running and read the log without failing in the
        last ``within`` seconds (it reads it at least every poll interval)."""
        running = bool(self._threads) and self._threads[0].is_alive()  # the loop
        return running and time.monotonic() - self._last_pass < within

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                self.source.listen(self._wake, self._stop)
                return
            except Exception:
                log.exception("listening for new events failed; polling meanwhile")
                self._stop.wait(RETRY_AFTER_ERROR)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                head = self.source.head()
                moved = sum(self.step(p, head=head) for p in self.projections)
            except Exception:
                log.exception("a projection batch failed; retrying")
                self._stop.wait(RETRY_AFTER_ERROR)
                continue
            self._last_pass = time.monotonic()
            if not moved:
                self._wake.wait(self.poll_interval)

    # Rebuilding ------------------------------------------------------------------

    def rebuild(
        self,
        projection: TrajectoryProjection,
        progress: Callable[[int], None] | None = None,
        *,
        locked: bool = False,
    ) -> RebuildReport:
        """Builds the view afresh into a new generation while the old one keeps
        serving: one ordered scan of the log up to its head, then the events
        recorded meanwhile in batches, then an atomic switch. ``locked``: the
        caller holds the view's rebuild lock already."""
        view = projection.view
        with nullcontext() if locked else view.rebuild_lock():
            started = time.perf_counter()
            generation = view.new_generation()
            head = self.source.head()
            counted = _Counter(progress)
            rows = (
                row
                for events in counted(self.source.trajectories(projection.topics, head))
                if (row := view.row_class.fold(events)) is not None
            )
            view.load(generation, rows, Tracking(self.application_name, head))
            for _ in range(SWITCH_ATTEMPTS):
                self.catch_up(projection, generation)
                try:
                    view.switch(generation)
                    break
                except GenerationBehind:
                    continue  # the live runner moved on meanwhile: catch up again
            else:
                raise RuntimeError(
                    f"the rebuilt {projection.name} view could not catch up with "
                    f"the live one in {SWITCH_ATTEMPTS} attempts"
                )
            return RebuildReport(
                view=projection.name,
                generation=generation,
                head=head,
                trajectories=counted.trajectories,
                events=counted.events,
                seconds=time.perf_counter() - started,
            )


class _Counter:
    """Counts the events and trajectories passing through, and reports progress."""

    EVERY = 10_000

    def __init__(self, progress: Callable[[int], None] | None) -> None:
        self.progress = progress
        self.events = self.trajectories = 0

    def __call__(
        self, trajectories: Iterator[list[EventRecord]]
    ) -> Iterator[list[EventRecord]]:
        reported = 0
        for events in trajectories:
            self.trajectories += 1
            self.events += len(events)
            if self.progress is not None and self.events - reported >= self.EVERY:
                self.progress(self.events - reported)
                reported = self.events
            yield events
        if self.progress is not None and self.events > reported:
            self.progress(self.events - reported)
