"""Group commit: the saves of concurrent requests go to the database together.

The store lets one transaction insert events at a time (the library locks the events
table so that notification ids commit in order), so a transaction per request caps
throughput at one commit's round trip. Here each request hands its new events to one
committer thread and waits; the committer writes everything handed to it since its
last commit in one transaction, then wakes each request. A request is answered only
after the transaction holding its events has committed.

Two saves that touch the same aggregate never share a transaction: the second waits
for the next one, so a version conflict fails only the request that lost. When a
shared transaction fails for a reason of one of its saves (a conflict, an
idempotency key sent twice, a save that cannot be stored), each of its saves is
retried in a transaction of its own, and only that one fails. Only a database that
cannot be reached (it does not answer a ping) fails every save of the transaction.

A request waits at most ``timeout`` seconds (``Settings.database_timeout``): a save
still queued then is taken out of the queue, never stored, and refused with
``DatabaseUnavailable``; a save already in a transaction waits for its end, which
the store's patience bounds by the earliest deadline of the saves in it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.application import ProcessingEvent
from eventsourcing.persistence import InterfaceError
from eventsourcing.persistence import OperationalError
from eventsourcing.persistence import Recording

from application.storage import DEFAULT_PATIENCE
from application.storage import DatabaseUnavailable
from application.storage import Patience
from application.storage import deadline

MAX_EVENTS = 1000  # per transaction
log = logging.getLogger("trajectory.storage")


class _Save:
    def __init__(
        self, aggregates: tuple[Any, ...], kwargs: dict[str, Any], timeout: float
    ) -> None:
        self.processing = ProcessingEvent[UUID]()
        self.processing.collect_events(*aggregates, **kwargs)
        self.ids = {e.originator_id for e in self.processing.events}
        self.deadline = time.monotonic() + timeout
        self.done = threading.Event()
        self.recordings: list[Recording[UUID]] = []
        self.error: BaseException | None = None


class GroupCommit:
    def __init__(
        self, app: Application[UUID], timeout: float = DEFAULT_PATIENCE
    ) -> None:
        self.app = app
        self.timeout = timeout
        self._waiting: deque[_Save] = deque()
        self._ready = threading.Condition()
        self._closed = False
        self._thread: threading.Thread | None = None

    def save(self, *aggregates: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """Saves as ``Application.save`` does, in a transaction shared with the saves
        of other threads; returns once it has committed, or raises its error."""
        save = _Save(aggregates, kwargs, self.timeout)
        if not save.processing.events:
            return []
        with self._ready:
            if self._closed:
                raise RuntimeError("the service is closing: nothing more is saved")
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="group-commit", daemon=True
                )
                self._thread.start()
            self._waiting.append(save)
            self._ready.notify()
        if not save.done.wait(self.timeout):
            with self._ready:
                if save in self._waiting:  # never taken: withdrawn, never stored
                    self._waiting.remove(save)
                    raise DatabaseUnavailable(
                        f"the save waited {self.timeout:g} s for the database and "
                        "was not stored"
                    )
            save.done.wait()  # in a transaction: its end is bounded by its deadline
        if save.error is not None:
            raise save.error
        # Snapshots and listeners run in the caller's thread, not the committer's.
        # The events are committed: a snapshot that cannot be written now (the
        # database gone meanwhile) is only an optimisation lost, never a failure.
        try:
            self.app._take_snapshots(save.processing)
        except Exception as error:
            log.warning("a snapshot was not taken: %s", error)
        self.app._notify(save.recordings)
        return save.recordings

    def close(self) -> None:
        """Commits what is waiting, then stops the committer."""
        with self._ready:
            self._closed = True
            self._ready.notify()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._waiting and not self._closed:
                    self._ready.wait()
                if not self._waiting:
                    return
                group = self._take()
            self._commit(group)

    def _take(self) -> list[_Save]:
        """The waiting saves that can share a transaction, oldest first."""
        group: list[_Save] = []
        touched: set[UUID] = set()
        events = 0
        kept: deque[_Save] = deque()
        while self._waiting:
            save = self._waiting.popleft()
            size = len(save.processing.events)
            if group and (save.ids & touched or events + size > MAX_EVENTS):
                kept.append(save)
                continue
            group.append(save)
            touched |= save.ids
            events += size
        self._waiting = kept
        return group

    def _commit(self, group: list[_Save]) -> None:
        shared = ProcessingEvent[UUID]()
        for save in group:
            shared.events.extend(save.processing.events)
            shared.aggregates.update(save.processing.aggregates)
            # What each save writes beside its events (idempotency records, keys
            # to shred: lists of rows) is written by the shared transaction.
            for name, rows in save.processing.saved_kwargs.items():
                shared.saved_kwargs.setdefault(name, []).extend(rows or ())
        try:
            with deadline(min(save.deadline for save in group)):
                recordings = self.app._record(shared)
        except (OperationalError, InterfaceError) as error:
            if len(group) == 1 or self._unreachable(error):
                for save in group:
                    self._finish(save, error=error)
            else:  # the database answers: a failure of one of the saves
                self._one_by_one(group)
            return
        except Exception as error:
            if len(group) == 1:
                self._finish(group[0], error=error)
            else:  # a conflict, or a save that cannot be stored: find whose
                self._one_by_one(group)
            return
        except BaseException as error:
            for save in group:
                self._finish(save, error=error)
            raise
        start = 0
        for save in group:
            end = start + len(save.processing.events)
            self._finish(save, recordings=recordings[start:end])
            start = end

    def _one_by_one(self, group: list[_Save]) -> None:
        """Each save of a failed transaction in one of its own, while it has time."""
        for save in group:
            if time.monotonic() < save.deadline:
                self._commit([save])
            else:
                busy = DatabaseUnavailable("the database was too busy: not stored")
                self._finish(save, error=busy)

    def _unreachable(self, error: BaseException) -> bool:
        """Whether the failure is the database's, not a save's: it was given up as
        unreachable, or a commit's outcome is unknown (never retried), or it does
        not answer a ping now."""
        if isinstance(error, DatabaseUnavailable):
            return True
        patience: Patience | None = getattr(self.app.recorder, "patience", None)
        return patience is not None and not patience.reachable()

    def _finish(
        self,
        save: _Save,
        *,
        recordings: list[Recording[UUID]] | None = None,
        error: BaseException | None = None,
    ) -> None:
        save.recordings = recordings or []
        save.error = error
        save.done.set()
