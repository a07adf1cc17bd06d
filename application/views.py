"""The caseload and outcome views of a Trajectories service, their runner and queries.

``Views(app)`` sets the view tables up (idempotently) in the service's database. The
runner feeds them in the background (``start``), or in the caller's thread
(``catch_up``); ``rebuild`` builds one afresh, blue/green.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder

from application.projections.caseload.queries import (
    CaseloadPage,
    CaseloadQuery,
    TrajectoryListQuery,
    TrajectorySummary,
    trajectory_list,
)
from application.projections.caseload.queries import caseload as caseload_query
from application.projections.caseload.rows import CASELOAD_EVENT_TYPES, CaseloadRow
from application.projections.events import TOPIC_PREFIX
from application.projections.outcomes.facts import OUTCOME_EVENT_TYPES, OutcomeFacts
from application.projections.outcomes.queries import (
    OutcomeQuery,
    OutcomeTable,
    outcomes,
)
from application.projections.postgres import PostgresView
from application.projections.runner import (
    POLL_INTERVAL,
    RebuildReport,
    Runner,
    TrajectoryProjection,
)
from application.projections.source import event_source
from application.projections.sqlite import SQLiteView
from application.projections.view import ProjectionView, R, RebuildInProgress
from application.trajectories import Trajectories
from domain.errors import NotFound

log = logging.getLogger("trajectory.projections")


class UnknownView(NotFound):
    code = "unknown_view"
    template = "there is no view {name!r}; the views are {views}"

    def __init__(self, name: str) -> None:
        super().__init__(name=name, views=VIEW_NAMES)


VIEW_NAMES = ("caseload", "outcomes")
REPLAYS_AT_ONCE = 2


class ReplaysBusy(Exception):
    """Figures as of a date replay the whole history; only a few run at once."""

    code = "replays_busy"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"{limit} replays of the history (as_of, known_at) are running already; "
            "retry in a few seconds"
        )


@dataclass
class RebuildState:
    """A rebuild started in the background by this process."""

    state: str  # rebuilding, done or failed
    started_at: datetime
    finished_at: datetime | None = None
    events: int | None = None
    events_per_second: float | None = None
    error: str | None = None
    finished: threading.Event = field(default_factory=threading.Event, repr=False)

    def summary(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k != "finished"}


@dataclass(frozen=True)
class ViewStatus:
    name: str
    generation: int
    position: int
    head: int

    @property
    def lag(self) -> int:
        """How many notifications of the log the view has not yet processed."""
        return max(self.head - self.position, 0)


class Views:
    def __init__(self, app: Trajectories, *, poll_interval: float | None = None):
        self.app = app
        self.source = event_source(app.recorder)
        self.caseload = TrajectoryProjection(
            self._view("caseload_rows", CaseloadRow),
            "caseload",
            [TOPIC_PREFIX + t for t in CASELOAD_EVENT_TYPES],
            self.source.history,
        )
        self.outcomes = TrajectoryProjection(
            self._view("outcome_facts", OutcomeFacts),
            "outcomes",
            [TOPIC_PREFIX + t for t in OUTCOME_EVENT_TYPES],
            self.source.history,
        )
        self.projections = {"caseload": self.caseload, "outcomes": self.outcomes}
        for projection in self.projections.values():
            projection.view.setup()
        self.runner = Runner(
            self.source,
            list(self.projections.values()),
            app.name,
            poll_interval=poll_interval or POLL_INTERVAL,
        )
        app.on_saved(lambda _types: self.runner.wake())
        self.rebuilds: dict[str, RebuildState] = {}
        self._rebuilds_lock = threading.Lock()
        self._rebuild_threads: list[threading.Thread] = []
        self._replays = threading.BoundedSemaphore(REPLAYS_AT_ONCE)

    def _view(self, table: str, row_class: type[R]) -> ProjectionView[R]:
        recorder = self.app.recorder
        if isinstance(recorder, PostgresApplicationRecorder):
            return PostgresView(recorder.datastore, table, row_class, self.app.name)
        assert isinstance(recorder, SQLiteApplicationRecorder), recorder
        return SQLiteView(recorder.datastore, table, row_class, self.app.name)

    def projection(self, name: str) -> TrajectoryProjection:
        try:
            return self.projections[name]
        except KeyError:
            raise UnknownView(name) from None

    # Running ---------------------------------------------------------------------

    def start(self) -> None:
        """Rebuilds any view whose columns changed since it was built, then feeds
        the views in the background."""
        self.rebuild_stale()
        self.runner.start()

    def rebuild_stale(self) -> None:
        """Rebuilds each view whose columns or fold changed since it was built."""
        for projection in self.projections.values():
            if projection.view.is_stale():
                try:
                    self.runner.rebuild(projection)
                except RebuildInProgress:
                    log.info("%s: another process is rebuilding it", projection.name)

    def stop(self, timeout: float = 30.0) -> None:
        """Stops the runner, and waits for rebuilds started here to finish."""
        self.runner.stop()
        for thread in self._rebuild_threads:
            thread.join(timeout)

    def catch_up(self) -> None:
        self.runner.catch_up()

    def wait(self, timeout: float = 10.0) -> None:
        """Waits until every view has processed what is committed now."""
        head = self.source.head()
        for projection in self.projections.values():
            projection.view.wait(self.app.name, head, timeout=timeout)

    def rebuild(
        self, name: str, progress: Callable[[int], None] | None = None
    ) -> RebuildReport:
        return self.runner.rebuild(self.projection(name), progress)

    def rebuild_in_background(self, name: str) -> None:
        """Starts a rebuild in a thread; ``rebuilds[name]`` follows it. Raises
        RebuildInProgress at once if this or another process rebuilds the view."""
        projection = self.projection(name)
        with self._rebuilds_lock:
            running = self.rebuilds.get(name)
            if running is not None and running.state == "rebuilding":
                raise RebuildInProgress(projection.view.table)
            lock = projection.view.rebuild_lock()
            lock.__enter__()  # raises RebuildInProgress; the thread releases it
            self.rebuilds[name] = RebuildState("rebuilding", datetime.now(UTC))
        thread = threading.Thread(
            target=self._rebuild_and_record, args=(name, lock), daemon=True
        )
        self._rebuild_threads.append(thread)
        thread.start()

    def _rebuild_and_record(
        self, name: str, lock: AbstractContextManager[None]
    ) -> None:
        state = self.rebuilds[name]
        try:
            report = self.runner.rebuild(self.projection(name), locked=True)
        except Exception as error:
            log.exception("rebuilding the %s view failed", name)
            state.state, state.error = "failed", str(error)
        else:
            state.state, state.events = "done", report.events
            state.events_per_second = round(report.events_per_second)
        finally:
            lock.__exit__(None, None, None)
        state.finished_at = datetime.now(UTC)
        state.finished.set()

    def status(self) -> list[ViewStatus]:
        head = self.source.head()
        statuses = []
        for name, projection in self.projections.items():
            view = projection.view
            generation = view.active()
            statuses.append(
                ViewStatus(
                    name=name,
                    generation=generation,
                    position=view.position(generation) or 0,
                    head=head,
                )
            )
        return statuses

    def events_to_rebuild(self, name: str) -> int:
        """How many events a rebuild of the view would read now (for progress)."""
        return self.source.count(self.projection(name).topics, self.source.head())

    # Queries ---------------------------------------------------------------------

    def outcome_table(
        self,
        group_by: Sequence[str] = (),
        *,
        cohort: str | None = None,
        cohort_by: str = "referral",
        as_of: date | None = None,
        known_at: datetime | None = None,
        suppress: bool = True,
    ) -> OutcomeTable:
        query = OutcomeQuery.parse(
            group_by=group_by,
            cohort=cohort,
            cohort_by=cohort_by,
            as_of=as_of,
            known_at=known_at,
            suppress=suppress,
        )
        budgets = {p.code: p.budget for p in self.app.programmes()}
        if query.as_of is None and query.known_at is None:
            return outcomes(self.outcomes, self.source, query, budgets)
        # A replay scans the whole history: a few at a time, or the API starves.
        if not self._replays.acquire(blocking=False):
            raise ReplaysBusy(REPLAYS_AT_ONCE)
        try:
            return outcomes(self.outcomes, self.source, query, budgets)
        finally:
            self._replays.release()

    def caseload_page(self, query: CaseloadQuery) -> CaseloadPage:
        return caseload_query(self.caseload.view, query, self.participant_name)

    def trajectory_page(
        self, query: TrajectoryListQuery
    ) -> tuple[int, list[TrajectorySummary]]:
        return trajectory_list(self.caseload.view, query)

    def participant_name(self, participant_id: Any) -> str:
        """The participant's name as staff see it, or "erased", or "unknown"."""
        try:
            participant = self.app.participant(participant_id)
        except NotFound:
            return "unknown"
        if participant.erased:
            return "erased"
        return f"{participant.given_name} {participant.family_name}"
