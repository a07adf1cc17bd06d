"""Month-end releases: an evaluator's figures, as of the last day of a month.

A release holds every trajectory's outcome facts as of that day (the events with a
business date on or before it, as ``queries.replay`` folds them), built the first
time anyone asks for that month, and kept: in tables of their own, one view per
month (``outcome_release_20261130``), with the same columns and fold as the live
outcome view. A release is built again only when that fold changes.

Why kept: figures that never change once given cannot be set against themselves. An
entry recorded late about that month, or a correction, shows in the next month's
release, never as the difference between two askings of the same month; and nobody
can poll for one person's news, as the live view would let them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import date

from eventsourcing.persistence import Tracking

from application.projections.outcomes.facts import OutcomeFacts
from application.projections.outcomes.queries import Release
from application.projections.outcomes.queries import replay
from application.projections.source import EventSource
from application.projections.sql import RebuildInProgress
from application.projections.view import ProjectionView

RELEASE_PREFIX = "outcome_release_"


class ReleaseBeingBuilt(Exception):
    """Another process builds the release just asked for."""

    code = "release_being_built"

    def __init__(self, as_of: date) -> None:
        super().__init__(
            f"the figures as of {as_of} are being prepared by another server; "
            "retry in a few seconds"
        )


class Releases:
    """The month-end releases of one store. ``make_view(table)`` gives a view of
    outcome facts in the store's database; ``replay_slot()`` is held while a release
    is built (a replay of the whole history)."""

    def __init__(
        self,
        make_view: Callable[[str], ProjectionView[OutcomeFacts]],
        source: EventSource,
        topics: Sequence[str],
        application_name: str,
        replay_slot: Callable[[], AbstractContextManager[object]],
    ) -> None:
        self.make_view = make_view
        self.source = source
        self.topics = tuple(topics)
        self.application_name = application_name
        self.replay_slot = replay_slot
        self._views: dict[date, ProjectionView[OutcomeFacts]] = {}
        self._locks: dict[date, threading.Lock] = {}
        self._lock = threading.Lock()

    def of(self, as_of: date) -> tuple[ProjectionView[OutcomeFacts], Release]:
        """The release of the month ending ``as_of``, built now if it was not (or
        was built with another fold), and where it stands."""
        view, lock = self._view(as_of)
        position, stale = view.standing()
        if position is None or stale:
            with lock:
                position, stale = view.standing()
                if position is None or stale:
                    with self.replay_slot():
                        position = self._build(view, as_of)
        return view, Release(as_of, position)

    def _view(self, as_of: date) -> tuple[ProjectionView[OutcomeFacts], threading.Lock]:
        with self._lock:
            if as_of not in self._views:
                view = self.make_view(f"{RELEASE_PREFIX}{as_of:%Y%m%d}")
                view.setup()
                self._views[as_of] = view
                self._locks[as_of] = threading.Lock()
            return self._views[as_of], self._locks[as_of]

    def _build(self, view: ProjectionView[OutcomeFacts], as_of: date) -> int:
        """Folds the facts as of ``as_of`` into a fresh generation of the release's
        tables and switches to it; returns the last notification it read."""
        try:
            with view.rebuild_lock():
                position = view.position()
                if position is not None and not view.is_stale():
                    return position  # another process built it meanwhile
                generation = view.new_generation()
                head = self.source.head()
                rows = replay(self.source, self.topics, as_of, None, head=head)
                view.load(generation, rows, Tracking(self.application_name, head))
                view.switch(generation)
                return head
        except RebuildInProgress:
            raise ReleaseBeingBuilt(as_of) from None
