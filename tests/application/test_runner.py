"""The runner that feeds the views: exactly once, crash-safe, resumable, woken by new
events, never skipping one that commits late, and rebuilding blue/green while writes
go on. Each test runs on SQLite and PostgreSQL unless its name says PostgreSQL."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from concurrent.futures import Future
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait
from datetime import date
from typing import Any
from unittest.mock import patch
from uuid import UUID

import pytest

from application.projections.postgres import PostgresCursor
from application.projections.postgres import PostgresView
from application.projections.runner import TrajectoryProjection
from application.projections.sql import GENERATIONS_TABLE
from application.projections.sql import RebuildInProgress
from application.projections.sqlite import SQLiteViewCursor
from application.projections.view import ProjectionView
from application.service import Trajectories
from application.settings import Settings
from application.views import Views
from domain.commands import CompleteIntake
from domain.commands import DeclineReferral
from domain.commands import IdentifyBarrier
from domain.commands import RegisterParticipant
from domain.commands import RetractEntry
from domain.commands import StartPlacement
from domain.vocabulary import Barrier
from domain.vocabulary import DeclineReason
from domain.vocabulary import EducationLevel
from domain.vocabulary import Gender
from domain.vocabulary import LabourStatus
from domain.vocabulary import PlacementType
from tests.application.test_views_properties import STAFF
from tests.application.test_views_properties import Crash
from tests.application.test_views_properties import Seeded
from tests.application.test_views_properties import Staff
from tests.application.test_views_properties import assert_same_rows
from tests.application.test_views_properties import crashing_after
from tests.application.test_views_properties import folded_rows
from tests.application.test_views_properties import projections_of
from tests.application.test_views_properties import register_programmes
from tests.application.test_views_properties import rows_of
from tests.service_builders import coach_for

WAIT = 30.0  # seconds: generous, for a loaded machine; never slept, only waited on


class Database:
    """The services (one per "process") opened on one database in a test."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.services: list[Trajectories] = []

    def service(self) -> Trajectories:
        service = Trajectories(Settings(database_url=self.url))
        self.services.append(service)
        return service

    def close(self) -> None:
        for service in self.services:
            service.close()


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.close()


@pytest.fixture
def service(database: Database) -> Trajectories:
    service = database.service()
    register_programmes(service)
    return service


def record(service: Trajectories, seed: int, trajectories: int, commands: int) -> Staff:
    """A random history of some new trajectories."""
    staff = Staff(service, Seeded(seed))
    for _ in range(trajectories):
        staff.refer()
    for _ in range(commands):
        staff.act()
    return staff


def assert_views_hold_the_store(
    views: Views, service: Trajectories, ids: list[UUID]
) -> None:
    for projection in projections_of(views):
        assert_same_rows(
            rows_of(projection.view),
            folded_rows(service, projection, ids),
            projection.name,
        )


def drain(views: Views, limit: int) -> None:
    """Steps every view in batches of ``limit`` up to the head as it is now."""
    head = views.source.head()
    for projection in projections_of(views):
        while (projection.view.position() or 0) < head:
            views.runner.step(projection, limit=limit)


def register_a_participant(service: Trajectories) -> None:
    service.register_participant(
        RegisterParticipant(
            given_name="Lotte",
            family_name="Claes",
            birth_date=date(2005, 3, 14),
            gender=Gender.F,
            confirmed_new_person=True,  # each a Lotte Claes of her own
        ),
        recorded_by=STAFF,
    )


def in_threads(*work: Callable[[], Any]) -> None:
    """Runs each in its own thread; re-raises the first failure."""
    with ThreadPoolExecutor(len(work)) as pool:
        for future in [pool.submit(each) for each in work]:
            future.result()


def built_by_an_older_release(view: ProjectionView[Any]) -> None:
    """Marks the view's generation as built with other columns."""
    with view.writing() as cursor:
        cursor.execute(
            f"UPDATE {view.name(GENERATIONS_TABLE)} SET fingerprint = %s "
            "WHERE view = %s",
            ("0123456789abcdef", view.table),
        )


def tables_like(views: Views, prefix: str) -> set[str]:
    view = views.outcomes.view
    with view.reading() as cursor:
        if isinstance(view, PostgresView):
            cursor.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = %s AND table_name LIKE %s",
                (view.datastore.schema, f"{prefix}%"),
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE %s",
                (f"{prefix}%",),
            )
        return {str(row[0]) for row in cursor.fetchall()}


# Exactly once ----------------------------------------------------------------------


def test_two_runners_stepping_at_once_apply_each_event_exactly_once(
    database: Database, service: Trajectories
) -> None:
    # Given a history, and the views of two processes on the same database
    staff = record(service, seed=1, trajectories=12, commands=150)
    first, second = Views(service), Views(database.service())
    start = threading.Barrier(2, timeout=WAIT)

    def run(views: Views, limit: int) -> Callable[[], None]:
        def steps() -> None:
            start.wait()
            drain(views, limit)

        return steps

    # When both step through it at once, in small batches of different sizes
    in_threads(run(first, limit=3), run(second, limit=4))

    # Then every row is as folded from the store: no event applied twice or lost
    assert_views_hold_the_store(first, service, staff.trajectory_ids)
    for projection in projections_of(first):
        assert projection.view.position() == service.recorder.max_notification_id()


def theirs_first(
    views: Views, projection: TrajectoryProjection, process: Callable[..., None]
) -> Callable[..., None]:
    """``process``, once the other process's runner has applied three events."""

    def process_after_theirs(*args: Any, **kwargs: Any) -> None:
        views.runner.step(projection, limit=3)
        process(*args, **kwargs)

    return process_after_theirs


def test_a_batch_read_before_another_runner_moved_is_not_applied(
    database: Database, service: Trajectories
) -> None:
    # Given caught-up views in two processes, then placements and barriers recorded
    staff = record(service, seed=13, trajectories=1, commands=0)
    trajectory_id = staff.trajectory_ids[0]
    on = service.trajectory(trajectory_id).referred_on
    service.record(
        trajectory_id,
        CompleteIntake(
            on=on,
            coach_id=coach_for(service, trajectory_id, "An"),
            rung=2,
            labour_status=LabourStatus.UNEMPLOYED,
            education_level=EducationLevel.ISCED_0_2,
            barriers=[],
            disability=False,
            postcode="9000",
        ),
        recorded_by=STAFF,
    )
    first, second = Views(service), Views(database.service())
    first.catch_up()
    for barrier in (Barrier.HOUSING, Barrier.MOBILITY, Barrier.DIGITAL):
        service.record(
            trajectory_id,
            StartPlacement(
                on=on,
                placement_type=PlacementType.REGULAR_JOB,
                employer="Colruyt",
                paid=True,
                hours_per_week=19.0,
            ),
            recorded_by=STAFF,
        )
        service.record(
            trajectory_id, IdentifyBarrier(on=on, barrier=barrier), recorded_by=STAFF
        )

    # When one runner reads five events, and the other applies three meanwhile
    for mine, theirs in zip(projections_of(first), projections_of(second), strict=True):
        moving_first = theirs_first(second, theirs, mine.view.process)
        with patch.object(mine.view, "process", moving_first):
            first.runner.step(mine, limit=5)
    first.catch_up()

    # Then the first runner's batch was read again: nothing applied twice
    assert_views_hold_the_store(first, service, staff.trajectory_ids)


# Crashes and restarts ------------------------------------------------------------


@pytest.mark.parametrize("point", ["upsert_rows", "_track"])
def test_a_batch_that_fails_inside_its_transaction_changes_nothing_and_is_redone(
    service: Trajectories, point: str
) -> None:
    # Given a history, and views part of the way through it
    staff = record(service, seed=2, trajectories=6, commands=60)
    views = Views(service)
    for projection in projections_of(views):
        views.runner.step(projection, limit=10)
    positions = [p.view.position() for p in projections_of(views)]
    rows = [rows_of(p.view) for p in projections_of(views)]

    # When the next batch of each view fails after writing, before it commits
    for projection in projections_of(views):
        view = projection.view
        with patch.object(view, point, crashing_after(getattr(view, point))):
            with pytest.raises(Crash):
                views.runner.step(projection, limit=10)

    # Then neither rows nor positions changed, and the next steps redo the batch
    assert [p.view.position() for p in projections_of(views)] == positions
    assert [rows_of(p.view) for p in projections_of(views)] == rows
    for projection in projections_of(views):
        assert views.runner.step(projection, limit=10) > 0
    views.catch_up()
    assert_views_hold_the_store(views, service, staff.trajectory_ids)


def test_a_batch_whose_history_cannot_be_read_changes_nothing(
    service: Trajectories,
) -> None:
    # Given a history whose every trajectory has a retraction, and caught-up views
    staff = record(service, seed=3, trajectories=3, commands=0)
    views = Views(service)
    views.catch_up()
    for trajectory_id in staff.trajectory_ids:
        referred_on = service.trajectory(trajectory_id).referred_on
        service.record(
            trajectory_id,
            DeclineReferral(on=referred_on, reason=DeclineReason.NOT_REACHED),
            recorded_by=STAFF,
        )
        service.record(
            trajectory_id,
            RetractEntry(on=referred_on, version=2, reason="typo"),
            recorded_by=STAFF,
        )
    positions = [p.view.position() for p in projections_of(views)]
    rows = [rows_of(p.view) for p in projections_of(views)]

    # When reading a trajectory's history for the refold fails
    def unreadable(trajectory_id: UUID, version: int) -> list[Any]:
        raise Crash("the database went away")

    with patch.object(views.source, "history", unreadable):
        for projection in projections_of(views):
            with pytest.raises(Crash):
                views.runner.step(projection)

    # Then nothing changed, and the next catch-up applies it all
    assert [p.view.position() for p in projections_of(views)] == positions
    assert [rows_of(p.view) for p in projections_of(views)] == rows
    views.catch_up()
    assert_views_hold_the_store(views, service, staff.trajectory_ids)


def test_positions_survive_a_restart_and_the_new_process_resumes_from_them(
    database: Database, service: Trajectories
) -> None:
    # Given views part of the way through a history, in one process
    staff = record(service, seed=4, trajectories=8, commands=80)
    views = Views(service)
    for projection in projections_of(views):
        for _ in range(3):
            views.runner.step(projection, limit=7)
    positions = [p.view.position() for p in projections_of(views)]
    rows = [rows_of(p.view) for p in projections_of(views)]
    service.close()

    # When another process opens the same database and records more
    restarted = database.service()
    resumed = Views(restarted)
    assert [p.view.position() for p in projections_of(resumed)] == positions
    assert [rows_of(p.view) for p in projections_of(resumed)] == rows
    staff.service = restarted
    for _ in range(30):
        staff.act()
    resumed.catch_up()

    # Then its views hold the whole history
    assert_views_hold_the_store(resumed, restarted, staff.trajectory_ids)
    assert all(s.lag == 0 for s in resumed.status())


def test_views_of_several_processes_set_up_at_once_on_a_fresh_database(
    database: Database,
) -> None:
    # Given three processes on a database without views
    services = [database.service() for _ in range(3)]
    start = threading.Barrier(len(services), timeout=WAIT)
    started: list[Views] = []

    def set_up(service: Trajectories) -> Callable[[], None]:
        def views() -> None:
            start.wait()
            started.append(Views(service))

        return views

    # When they all set their views up at once
    in_threads(*(set_up(service) for service in services))

    # Then each has the views, in their first generation
    for views in started:
        assert [p.view.active() for p in projections_of(views)] == [1, 1]


def test_views_set_up_while_another_process_writes(
    database: Database, service: Trajectories
) -> None:
    """A second process (a web worker, the CLI) sets its views up while the first
    records events: here the other's event commits right after the set-up's first
    statement, a read, and before its first write."""
    # Given views already set up, and another process about to write
    Views(service)
    other = database.service()
    cursor_class = PostgresCursor if service.settings.is_postgres else SQLiteViewCursor
    execute = cursor_class.execute
    writes: list[Future[Any]] = []

    def execute_then_let_the_other_write(
        cursor: Any, sql: str, params: Sequence[Any] = ()
    ) -> None:
        execute(cursor, sql, params)
        if not writes:
            writes.append(pool.submit(register_a_participant, other))
            wait(writes, timeout=1.0)

    # When this process sets its views up, with the other's write in between
    with ThreadPoolExecutor(1) as pool:
        with patch.object(cursor_class, "execute", execute_then_let_the_other_write):
            views = Views(service)

    # Then both succeed
    writes[0].result()
    assert [p.view.active() for p in projections_of(views)] == [1, 1]


# Running in the background ----------------------------------------------------------


def test_the_background_runner_picks_up_new_events_and_stops(
    service: Trajectories,
) -> None:
    # Given the views running in the background
    views = Views(service)
    before = set(threading.enumerate())
    views.runner.start()
    started = set(threading.enumerate()) - before

    try:
        # When events are recorded, and then more
        staff = record(service, seed=5, trajectories=4, commands=30)
        views.wait(timeout=WAIT)
        assert_views_hold_the_store(views, service, staff.trajectory_ids)
        for _ in range(20):
            staff.act()
        views.wait(timeout=WAIT)

        # Then the views have them once wait returns
        assert_views_hold_the_store(views, service, staff.trajectory_ids)
        assert all(s.lag == 0 for s in views.status())
    finally:
        views.stop()

    # And stopping ended the runner's threads (on SQLite nothing listens)
    assert "projections" in {thread.name for thread in started}
    assert not any(thread.is_alive() for thread in started)


def test_the_runner_is_healthy_while_it_reads_the_log_without_failing(
    service: Trajectories, monkeypatch: pytest.MonkeyPatch
) -> None:
    views = Views(service, poll_interval=0.01)
    assert not views.runner.healthy(within=60)  # not started
    views.runner.start()
    try:
        views.wait(timeout=WAIT)
        healthy = views.runner.healthy(within=60)
        failures = threading.Semaphore(0)

        def unreachable() -> int:
            failures.release()
            raise OSError("the database is unreachable")

        monkeypatch.setattr(views.runner.source, "head", unreachable)
        assert failures.acquire(timeout=WAIT)
        since = time.monotonic()  # no pass has succeeded since
        assert failures.acquire(timeout=WAIT)  # the retry failed too
        failing_healthy = views.runner.healthy(within=time.monotonic() - since)
    finally:
        views.stop()

    assert healthy
    assert not failing_healthy
    assert not views.runner.healthy(within=60)  # stopped


def test_a_write_by_another_process_reaches_the_background_runner(
    database: Database, service: Trajectories
) -> None:
    """On PostgreSQL the runner polls only once a minute here: only the NOTIFY of the
    other process's insert can wake it before the wait times out."""
    # Given the views running in the background, polling rarely on PostgreSQL
    postgres = service.settings.is_postgres
    views = Views(service, poll_interval=120.0 if postgres else 0.05)
    views.runner.start()
    try:
        views.wait(timeout=WAIT)

        # When another process records events
        other = database.service()
        staff = record(other, seed=6, trajectories=3, commands=20)

        # Then this process's views get them
        views.wait(timeout=WAIT)
        assert_views_hold_the_store(views, service, staff.trajectory_ids)
    finally:
        views.stop()


@pytest.mark.postgres
def test_on_postgresql_concurrent_writers_never_make_the_runner_skip_an_event(
    postgres_url: str,
) -> None:
    """Events commit in the order of their notification ids (the library locks the
    table for each insert), so a runner reading up to the head never passes an event
    that commits late."""
    database = Database(postgres_url)
    try:
        # Given four processes writing at once, and a runner stepping all along
        register_programmes(database.service())
        writers = [database.service() for _ in range(4)]
        views = Views(database.service())
        writing = threading.Event()
        writing.set()
        staffs: list[Staff] = []
        finished: list[Trajectories] = []

        def write(seed: int, service: Trajectories) -> Callable[[], None]:
            def commands() -> None:
                try:
                    staffs.append(record(service, seed, trajectories=4, commands=40))
                finally:
                    finished.append(service)
                    if len(finished) == len(writers):
                        writing.clear()

            return commands

        def run() -> None:
            limits = Seeded(7)
            while writing.is_set():
                for projection in projections_of(views):
                    views.runner.step(projection, limit=limits.integer(1, 5))

        # When they are all done, and the runner has caught up
        in_threads(run, *(write(i, s) for i, s in enumerate(writers, start=10)))
        views.catch_up()

        # Then no event was skipped: the views equal the store, and a rebuild
        ids = [i for staff in staffs for i in staff.trajectory_ids]
        assert_views_hold_the_store(views, writers[0], ids)
        live = [rows_of(p.view) for p in projections_of(views)]
        for name in views.projections:
            views.rebuild(name)
        assert [rows_of(p.view) for p in projections_of(views)] == live
        # and the writers, racing, linked every event to the one before it
        verification = writers[0].verify()
        assert verification.intact, verification.broken
    finally:
        database.close()


# Rebuilding ---------------------------------------------------------------------------


def test_a_rebuild_while_writes_go_on_ends_with_every_event_and_no_old_tables(
    database: Database, service: Trajectories
) -> None:
    # Given a history, views caught up and running in the background, and a writer
    staff = record(service, seed=8, trajectories=8, commands=60)
    views = Views(service)
    views.catch_up()
    views.runner.start()
    other_process = Views(database.service())
    writer = Staff(database.service(), Seeded(9))
    writer.trajectory_ids = list(staff.trajectory_ids)
    rebuilding, written = threading.Event(), threading.Event()
    proceed, stop_writing = threading.Event(), threading.Event()
    recorded_at_the_scan: list[int] = []

    def hold_the_rebuild(events: int) -> None:
        recorded_at_the_scan.append(writer.recorded)
        rebuilding.set()
        assert proceed.wait(WAIT)

    def rebuild() -> None:
        try:
            views.rebuild("outcomes", progress=hold_the_rebuild)
        finally:
            rebuilding.set()

    def write() -> None:
        while not stop_writing.is_set():
            writer.act()
            if recorded_at_the_scan and writer.recorded >= recorded_at_the_scan[0] + 10:
                written.set()

    try:
        with ThreadPoolExecutor(2) as pool:
            writing = pool.submit(write)
            rebuilt = pool.submit(rebuild)
            try:
                # When the rebuild has read the log, and more events are recorded
                assert rebuilding.wait(WAIT)
                assert written.wait(WAIT)

                # Then a second rebuild of the same view is refused, in any process
                with pytest.raises(RebuildInProgress):
                    views.rebuild("outcomes")
                with pytest.raises(RebuildInProgress):
                    other_process.rebuild("outcomes")
            finally:
                proceed.set()
                stop_writing.set()
        rebuilt.result()
        writing.result()
        views.wait(timeout=WAIT)
    finally:
        views.stop()
    views.catch_up()

    # And the new generation holds every event, the old one's tables are gone
    assert views.outcomes.view.active() == 2
    assert_views_hold_the_store(views, service, staff.trajectory_ids)
    tables = tables_like(views, "outcome_facts_g")
    assert "outcome_facts_g2" in tables
    assert not [t for t in tables if re.fullmatch(r"outcome_facts_g1(_\w+)?", t)]
    assert all(s.lag == 0 for s in views.status())


def test_a_view_whose_columns_changed_is_rebuilt_when_the_views_start(
    service: Trajectories,
) -> None:
    # Given views built by an older release whose outcome facts had other columns
    staff = record(service, seed=11, trajectories=5, commands=40)
    old = Views(service)
    old.catch_up()
    built_by_an_older_release(old.outcomes.view)

    # When this release's views start
    views = Views(service)
    assert views.outcomes.view.is_stale()
    assert not views.caseload.view.is_stale()
    views.start()
    try:
        views.wait(timeout=WAIT)
    finally:
        views.stop()

    # Then the outcome facts were rebuilt into a new generation, the caseload not
    assert views.outcomes.view.active() == 2
    assert views.caseload.view.active() == 1
    assert not views.outcomes.view.is_stale()
    assert_views_hold_the_store(views, service, staff.trajectory_ids)


def test_two_processes_starting_with_a_stale_view_both_start_and_rebuild_it_once(
    database: Database, service: Trajectories
) -> None:
    """A release that changed a view's columns is deployed to two processes (the
    server and ``trajectory feed``): both find the view stale as they start."""
    # Given a stale outcome view, and two processes starting
    staff = record(service, seed=12, trajectories=5, commands=40)
    Views(service).catch_up()
    first, second = Views(service), Views(database.service())
    built_by_an_older_release(first.outcomes.view)
    reading, release = threading.Event(), threading.Event()
    scan = first.source.trajectories

    def held_scan(topics: Sequence[str], upto: int) -> Iterator[list[Any]]:
        reading.set()
        assert release.wait(WAIT)
        yield from scan(topics, upto)

    # When the second starts while the first is rebuilding the view
    try:
        with ThreadPoolExecutor(2) as pool:
            with patch.object(first.source, "trajectories", held_scan):
                first_started = pool.submit(first.start)
                assert reading.wait(WAIT)
                second_started = pool.submit(second.start)
                wait([second_started], timeout=1.0)
                release.set()
            first_started.result()
            second_started.result()

        # Then both run, on the view rebuilt once
        first.wait(timeout=WAIT)
        second.wait(timeout=WAIT)
    finally:
        release.set()
        first.stop()
        second.stop()
    for views in (first, second):
        assert not views.outcomes.view.is_stale()
        assert views.outcomes.view.active() == 2
        assert_views_hold_the_store(views, service, staff.trajectory_ids)


@pytest.mark.postgres
def test_on_postgresql_a_rebuilt_generation_has_statistics_before_it_is_read(
    postgres_url: str,
) -> None:
    """The machine's own analysis of a table comes a while after it is filled (or
    never, with autovacuum off): without statistics the planner guesses the rows and
    groups of a freshly built generation, and sorts where it would hash."""
    service = Trajectories(Settings(database_url=postgres_url))
    try:
        # Given a history
        register_programmes(service)
        staff = record(service, seed=23, trajectories=12, commands=30)
        views = Views(service)

        # When the outcome view is rebuilt into a new generation
        views.rebuild("outcomes")

        # Then the generation that queries read was analysed, as it was filled
        view = views.outcomes.view
        assert isinstance(view, PostgresView)
        with view.reading() as cursor:
            cursor.execute(
                "SELECT c.reltuples, s.last_analyze IS NOT NULL "
                "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "JOIN pg_stat_user_tables s ON s.relid = c.oid "
                "WHERE n.nspname = %s AND c.relname = %s",
                (view.datastore.schema, view.rows_table(view.active())),
            )
            estimated, analysed = cursor.fetchall()[0]
        assert analysed
        assert estimated == len(staff.trajectory_ids)
    finally:
        service.close()
