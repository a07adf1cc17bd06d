"""The caseload and outcome views of a Trajectories service, their runner and queries.

``Views(app)`` sets the view tables up (idempotently) in the service's database. The
runner feeds them in the background (``start``), or in the caller's thread
(``catch_up``); ``rebuild`` builds one afresh, blue/green. The outcome figures and
the caseload and trajectory lists are read from a standby where one is configured
(``app.reads``, see ``application.routing``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from contextlib import AbstractContextManager
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import date
from datetime import datetime
from typing import Any

from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder

from application.access import Caller
from application.projections.caseload.queries import CaseloadPage
from application.projections.caseload.queries import CaseloadQuery
from application.projections.caseload.queries import TrajectoryListQuery
from application.projections.caseload.queries import TrajectorySummary
from application.projections.caseload.queries import caseload as caseload_query
from application.projections.caseload.queries import trajectories_of
from application.projections.caseload.queries import trajectory_list
from application.projections.caseload.rows import CASELOAD_EVENT_TYPES
from application.projections.caseload.rows import CaseloadRow
from application.projections.caseload.todo import TodoList
from application.projections.caseload.todo import TodoQuery
from application.projections.caseload.todo import todo as todo_query
from application.projections.events import TOPIC_PREFIX
from application.projections.outcomes.disclosure import Cells
from application.projections.outcomes.disclosure import Key
from application.projections.outcomes.disclosure import Marks
from application.projections.outcomes.disclosure import withhold
from application.projections.outcomes.facts import OUTCOME_EVENT_TYPES
from application.projections.outcomes.facts import OutcomeFacts
from application.projections.outcomes.queries import AsOfBeforeProgrammes
from application.projections.outcomes.queries import OutcomeQuery
from application.projections.outcomes.queries import OutcomeScope
from application.projections.outcomes.queries import OutcomeTable
from application.projections.outcomes.queries import Release
from application.projections.outcomes.queries import Withholding
from application.projections.outcomes.queries import outcomes
from application.projections.outcomes.queries import released
from application.projections.outcomes.releases import ReleaseBeingBuilt
from application.projections.outcomes.releases import Releases
from application.projections.postgres import PostgresView
from application.projections.runner import POLL_INTERVAL
from application.projections.runner import RebuildReport
from application.projections.runner import Runner
from application.projections.runner import TrajectoryProjection
from application.projections.source import event_source
from application.projections.sql import R
from application.projections.sql import RebuildInProgress
from application.projections.sqlite import SQLiteView
from application.projections.view import ProjectionView
from application.service import Trajectories
from domain.errors import NotFound
from domain.programme import Programme

log = logging.getLogger("trajectory.projections")


class UnknownView(NotFound):
    code = "unknown_view"
    template = "there is no view {name!r}; the views are {views}"

    def __init__(self, name: str) -> None:
        super().__init__(name=name, views=VIEW_NAMES)


VIEW_NAMES = ("caseload", "outcomes")
REPLAYS_AT_ONCE = 2
MARKS_KEPT = 64  # tables of releases whose withheld cells are kept worked out


class ReplaysBusy(Exception):
    """Figures as of a date replay the whole history; only a few run at once."""

    code = "replays_busy"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"{limit} replays of the history (as_of, known_at) are running already; "
            "retry in a few seconds"
        )


class ReleaseBusy(ReplaysBusy):
    """Another server builds the month-end release asked for."""

    code = "release_being_built"

    def __init__(self, busy: ReleaseBeingBuilt) -> None:
        Exception.__init__(self, str(busy))


@dataclass
class RebuildState:
    """A rebuild started in the background by this process."""

    state: str  # rebuilding, done or failed
    started_at: datetime
    finished_at: datetime | None = None
    events: int | None = None
    events_per_second: float | None = None
    error: str | None = None
    events_read: int = 0  # so far: the progress
    events_to_read: int | None = None  # what the log held when it started
    finished: threading.Event = field(default_factory=threading.Event, repr=False)

    def summary(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k != "finished"}


@dataclass(frozen=True)
class ViewStatus:
    """Where a view stands: the generation serving, its position in the log, the
    log's head, and the last rebuild this process started, if any."""

    name: str
    generation: int
    position: int
    head: int
    rebuild: dict[str, Any] | None = None

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
        self.releases = Releases(
            lambda table: self._view(table, OutcomeFacts),
            self.source,
            self.outcomes.topics,
            app.name,
            self._replay_slot,
        )
        self._marks: dict[tuple[Release, tuple[str, ...], str], dict[Key, Marks]] = {}
        self._marks_lock = threading.Lock()

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

        def advance(events: int) -> None:
            state.events_read += events

        try:
            state.events_to_read = self.events_to_rebuild(name)
            report = self.runner.rebuild(self.projection(name), advance, locked=True)
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
            rebuild = self.rebuilds.get(name)
            statuses.append(
                ViewStatus(
                    name=name,
                    generation=generation,
                    position=view.position(generation) or 0,
                    head=head,
                    rebuild=rebuild.summary() if rebuild else None,
                )
            )
        return statuses

    def view_status(self, name: str) -> ViewStatus:
        """Where one view stands (see ``status``): its generation, position, lag,
        and the last rebuild this process started, with its progress."""
        return next(s for s in self.status() if s.name == self.projection(name).name)

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
        suppress: bool | None = None,
        organisation: str | None = None,
        reader: Caller | None = None,
    ) -> OutcomeTable:
        """The outcome figures per group. For ``reader``, what their role lets them
        see (``OutcomeScope.of``): an evaluator's as of a month's end (the last
        one by default), from its release, under disclosure control; staff's of
        their organisation alone. ``organisation`` limits the figures to one;
        ``suppress`` puts them under disclosure control or not, whoever reads (by
        default: as the reader's role says, and yes without a reader)."""
        scope = OutcomeScope.of(reader) if reader else OutcomeScope(suppress=True)
        query = OutcomeQuery.parse(
            group_by=group_by,
            cohort=cohort,
            cohort_by=cohort_by,
            as_of=as_of,
            known_at=known_at,
            suppress=scope.suppress if suppress is None else suppress,
            organisation=scope.limit(organisation),
            month_ends=scope.month_ends,
        )
        # The total budget that stood on the evaluation date (an extension's new
        # budget counts from the day it was decided).
        on = query.evaluated_on
        programmes = self.app.programmes()
        budgets = {p.code: p.budget_as_of(on) for p in programmes}
        if query.month_ends and query.as_of is not None:
            view, release = self.release_of(query.as_of, programmes)
            withheld = self._withheld_in(release, query.cohort_by)
            return released(view, query, budgets, release, withheld)
        if query.as_of is None and query.known_at is None:
            with self.app.reads.standby():
                return outcomes(self.outcomes, self.source, query, budgets)
        # A replay scans the whole history: a few at a time, or the API starves.
        if not self._replays.acquire(blocking=False):
            raise ReplaysBusy(REPLAYS_AT_ONCE)
        try:
            # The history is read from a standby; the temporary table that the
            # figures are computed over needs the primary.
            source = self.app.reads.source(self.source)
            return outcomes(self.outcomes, source, query, budgets)
        finally:
            self._replays.release()

    def release_of(
        self, as_of: date, programmes: Sequence[Programme] | None = None
    ) -> tuple[ProjectionView[OutcomeFacts], Release]:
        """The month-end release of ``as_of`` (built now if it was not). A month
        before the first programme started is refused: it has no figures, and a
        release of it would be built and kept for nothing. ``programmes``: every
        programme, when the caller has them in hand."""
        if programmes is None:
            programmes = self.app.programmes()
        starts = [p.starts_on for p in programmes]
        if starts and as_of < min(starts):
            raise AsOfBeforeProgrammes(as_of, min(starts))
        try:
            return self.releases.of(as_of)
        except ReleaseBeingBuilt as busy:
            raise ReleaseBusy(busy) from None

    def _withheld_in(self, release: Release, cohort_by: str) -> Withholding:
        """Disclosure control over a release's table, worked out once for each
        grouping: a release does not change."""

        def withheld(
            dims: Sequence[str], rows: Mapping[Key, Cells]
        ) -> dict[Key, Marks]:
            key = (release, tuple(dims), cohort_by)
            with self._marks_lock:
                known = self._marks.get(key)
            if known is None:
                known = withhold(dims, rows)
                with self._marks_lock:
                    self._marks[key] = known
                    while len(self._marks) > MARKS_KEPT:
                        del self._marks[next(iter(self._marks))]
            return known

        return withheld

    @contextmanager
    def _replay_slot(self) -> Iterator[None]:
        """One of the few replays of the whole history that may run at once."""
        if not self._replays.acquire(blocking=False):
            raise ReplaysBusy(REPLAYS_AT_ONCE)
        try:
            yield
        finally:
            self._replays.release()

    def caseload_page(self, query: CaseloadQuery) -> CaseloadPage:
        with self.app.reads.standby():
            return caseload_query(self.caseload.view, query, self.participant_name)

    def todo(self, query: TodoQuery) -> TodoList:
        """What must be recorded before its window closes (``caseload/todo.py``)."""
        return todo_query(self.caseload.view, query, self.participant_name)

    def trajectory_page(
        self, query: TrajectoryListQuery
    ) -> tuple[int, list[TrajectorySummary]]:
        with self.app.reads.standby():
            return trajectory_list(self.caseload.view, query)

    def trajectories_of(
        self, participant_ids: Sequence[Any]
    ) -> dict[Any, list[TrajectorySummary]]:
        """Every trajectory of each participant, open and ended."""
        return trajectories_of(self.caseload.view, participant_ids)

    def participant_name(self, participant_id: Any) -> str:
        """The participant's name as staff see it, or "erased", or "unknown"."""
        try:
            participant = self.app.participant(participant_id)
        except NotFound:
            return "unknown"
        if participant.erased:
            return "erased"
        return f"{participant.given_name} {participant.family_name}"
