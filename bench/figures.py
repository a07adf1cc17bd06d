"""The figures `python -m bench` adds to the write, rebuild and verify benchmarks:
replay of a long trajectory, the two view queries over HTTP, the live lag of the
caseload view, and the size of the store. Each is measured beside what the database
does alone in the same run."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import httpx
from eventsourcing.application import Repository

from application.access import Role
from application.audit.chain import HEADS_TABLE
from application.audit.chain import LINKS_TABLE
from application.projections.caseload.queries import CASELOAD_STAGES
from application.projections.outcomes.queries import OutcomeQuery
from application.projections.sql import GENERATIONS_TABLE
from application.projections.sql import TRACKING_TABLE
from application.service import Trajectories
from application.settings import Settings
from bench.rebuild import Database
from bench.trajectories import register_programme
from bench.trajectories import someone
from bench.trajectories import taken_in
from domain.commands import HoldSession
from domain.trajectory import Trajectory
from domain.vocabulary import LabourStatus
from domain.vocabulary import SessionMode
from domain.vocabulary import SessionSetting

REPLAY_PROGRAMME = "BENCH-REPLAY"
REPLAY_ORGANISATION = "Bench Werkburo"
REPLAY_EVENTS = 1_000
OUTCOME_DIMENSIONS = ("programme", "cohort")


@dataclass(frozen=True)
class Latencies:
    """Seconds per call, sorted."""

    seconds: list[float]

    @classmethod
    def of(cls, call: Callable[[], Any], repeat: int, warm_up: int = 3) -> Latencies:
        for _ in range(warm_up):
            call()
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            call()
            times.append(time.perf_counter() - started)
        return cls(sorted(times))

    @property
    def p50(self) -> float:
        return statistics.median(self.seconds)

    @property
    def p99(self) -> float:
        index = max(0, round(0.99 * len(self.seconds)) - 1)
        return self.seconds[index]


# Replay of a trajectory of 1,000 events -----------------------------------------------


@dataclass(frozen=True)
class Replay:
    events: int
    middle_version: int
    snapshot_below_middle: int
    raw_all: Latencies  # SELECT of the trajectory's rows, nothing decoded
    raw_middle: Latencies  # the rows from the snapshot below the middle to it
    with_snapshots: Latencies
    without_snapshots: Latencies
    as_of_version: Latencies
    as_of_date: Latencies


def long_trajectory(app: Trajectories, events: int = REPLAY_EVENTS) -> UUID:
    """A trajectory of ``events`` events: a referral, an intake and a session a day
    after it, written through the application (snapshots taken as in service)."""
    register_programme(
        app,
        REPLAY_PROGRAMME,
        "Benchmark: one long trajectory",
        REPLAY_ORGANISATION,
        starts_on=date(2015, 1, 1),
        ends_on=date(2035, 12, 31),
        budget=Decimal(0),
        max_age=65,
    )
    referred_on = date(2018, 1, 8)
    coach = app.coaches.ensure("Bench", REPLAY_ORGANISATION, recorded_by="bench")
    trajectory_id = taken_in(
        app,
        someone("Bench", "Replay", date(1990, 5, 17)),
        programme=REPLAY_PROGRAMME,
        organisation=REPLAY_ORGANISATION,
        referred_on=referred_on,
        intake_on=referred_on + timedelta(days=7),
        coach_id=coach.id,
        rung=3,
        labour_status=LabourStatus.LONG_TERM_UNEMPLOYED,
        dossiers=REPLAY_ORGANISATION,
    )
    first_session = referred_on + timedelta(days=8)
    sessions = events - 2  # session n is version n + 3
    # Batches that end where a snapshot is due (a batch snapshots where it ends), so
    # the snapshots lie where a trajectory recorded an event at a time has them.
    interval = app.settings.snapshot_interval
    start = 0
    while start < sessions:
        end = min(sessions, ((start + 2) // interval + 1) * interval - 2)
        with app.batch():
            for n in range(start, end):
                app.record(
                    trajectory_id,
                    HoldSession(
                        on=first_session + timedelta(days=n),
                        minutes=60,
                        mode=SessionMode.INDIVIDUAL,
                        setting=SessionSetting.OFFICE,
                        note="Gesprek over de volgende stap.",
                    ),
                    recorded_by="bench",
                )
        start = end
    return trajectory_id


def measure_replay(database: Database, repeat: int) -> Replay:
    """Loads the long trajectory with no aggregate cache: its current state (from
    the last snapshot, then from its first event), its state at the version in
    the middle furthest from a snapshot, and as of the date of that version;
    beside the SELECT of the same rows."""
    settings = Settings(database_url=database.schema_url, aggregate_cache_size=0)
    app = Trajectories(settings)
    try:
        trajectory_id = long_trajectory(app)
        current = app.trajectory(trajectory_id)
        interval = settings.snapshot_interval
        below = (current.version // 2) // interval * interval
        middle = below + interval - 1  # the most events after a snapshot
        as_of = app.trajectory_at_version(trajectory_id, middle).last_on
        no_snapshots = Repository[UUID](event_store=app.repository.event_store)

        def load_without_snapshots() -> None:
            loaded: Trajectory = no_snapshots.get(trajectory_id)
            assert loaded.version == current.version

        with database.connect(autocommit=True) as connection:
            select = (
                f"SELECT originator_id, originator_version, topic, state "
                f"FROM {database.events_table} WHERE originator_id = %s "
                "AND originator_version > %s AND originator_version <= %s "
                "ORDER BY originator_version"
            ).encode()

            def raw(after: int, upto: int) -> None:
                connection.execute(
                    select, (trajectory_id, after, upto), prepare=True
                ).fetchall()

            return Replay(
                events=current.version,
                middle_version=middle,
                snapshot_below_middle=below,
                raw_all=Latencies.of(lambda: raw(0, current.version), repeat),
                raw_middle=Latencies.of(lambda: raw(below, middle), repeat),
                with_snapshots=Latencies.of(
                    lambda: app.trajectory(trajectory_id), repeat
                ),
                without_snapshots=Latencies.of(load_without_snapshots, repeat),
                as_of_version=Latencies.of(
                    lambda: app.trajectory_at_version(trajectory_id, middle), repeat
                ),
                as_of_date=Latencies.of(
                    lambda: app.trajectory_as_of(trajectory_id, as_of), repeat
                ),
            )
    finally:
        app.close()


# The view queries over HTTP ----------------------------------------------------------


@dataclass(frozen=True)
class Queries:
    trajectories: int  # rows in the outcome view
    groups: int  # rows GET /outcomes answered
    coach: str
    coach_rows: int  # the coach's open trajectories
    page_rows: int  # rows GET /caseload answered
    outcomes: Latencies
    outcomes_raw: Latencies
    caseload: Latencies
    caseload_raw: Latencies


def measure_queries(database: Database, base_url: str, repeat: int) -> Queries:
    """GET /outcomes grouped by programme and cohort (as an evaluator) and GET
    /caseload for the coach with the most open trajectories (as staff of their
    organisation), beside the plainest SQL for the same rows: a count per group
    over the outcome view, and the coach's rows of the caseload view."""
    app = Trajectories(Settings(database_url=database.schema_url))
    try:
        _, evaluator = app.tokens.create(role=Role.EVALUATOR, name="bench evaluator")
        with database.connect(autocommit=True) as connection:
            marks = ", ".join(["%s"] * len(CASELOAD_STAGES))
            organisation, coach, coach_rows = connection.execute(
                "SELECT organisation, coach, count(*) FROM caseload_rows "
                f"WHERE coach IS NOT NULL AND stage IN ({marks}) "
                "GROUP BY 1, 2 ORDER BY 3 DESC, 2 LIMIT 1",
                CASELOAD_STAGES,
            ).fetchone() or (None, None, 0)
            if coach is None:
                raise RuntimeError("the caseload view has no coach: no history?")
            _, staff = app.tokens.create(
                role=Role.STAFF, name="bench coach", organisation=organisation
            )
            trajectories = connection.execute(
                "SELECT count(*) FROM outcome_facts"
            ).fetchone()
            query = OutcomeQuery(group_by=OUTCOME_DIMENSIONS)
            dims = ", ".join(query.column(d) for d in OUTCOME_DIMENSIONS)
            count_per_group = (
                f"SELECT {dims}, count(*) FROM outcome_facts GROUP BY {dims}"
            )
            coach_rows_sql = (
                "SELECT * FROM caseload_rows WHERE organisation = %s AND coach = %s "
                f"AND stage IN ({marks}) ORDER BY referred_on, trajectory_id"
            )
            caseload_params = [organisation, coach, *CASELOAD_STAGES]
            outcomes_raw = Latencies.of(
                lambda: connection.execute(count_per_group).fetchall(), repeat
            )
            caseload_raw = Latencies.of(
                lambda: connection.execute(coach_rows_sql, caseload_params).fetchall(),
                repeat,
            )
    finally:
        app.close()
    answers: dict[str, Any] = {}

    def get(client: httpx.Client, path: str, params: dict[str, str]) -> None:
        response = client.get(path, params=params)
        if response.status_code != 200:
            raise RuntimeError(
                f"GET {path} answered {response.status_code}: {response.text[:300]}"
            )
        answers[path] = response.json()

    with (
        bearer(base_url, evaluator) as as_evaluator,
        bearer(base_url, staff) as as_staff,
    ):
        outcomes = Latencies.of(
            lambda: get(
                as_evaluator, "/outcomes", {"group_by": ",".join(OUTCOME_DIMENSIONS)}
            ),
            repeat,
        )
        caseload = Latencies.of(
            lambda: get(as_staff, "/caseload", {"coach": coach}), repeat
        )
    return Queries(
        trajectories=int(trajectories[0]) if trajectories else 0,
        groups=len(answers["/outcomes"]["rows"]),
        coach=coach,
        coach_rows=int(coach_rows),
        page_rows=len(answers["/caseload"]["entries"]),
        outcomes=outcomes,
        outcomes_raw=outcomes_raw,
        caseload=caseload,
        caseload_raw=caseload_raw,
    )


@contextmanager
def bearer(base_url: str, secret: str) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=base_url, headers={"Authorization": f"Bearer {secret}"}, timeout=60
    ) as client:
        yield client


# Live lag of the caseload view --------------------------------------------------------


@dataclass
class LagWatch:
    """Polls, from a thread of its own, the head of the events table and the
    caseload view's tracking position. Each new head is stamped when first seen
    (its commit, within one poll) and its lag is the time until the view's
    position reaches it."""

    database: Database
    interval: float = 0.002
    lags: list[float] = field(default_factory=list)
    polls: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _measuring: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _failure: BaseException | None = None

    def position_sql(self) -> bytes:
        schema = f'"{self.database.schema}"'
        return (
            f"SELECT (SELECT max(notification_id) FROM {self.database.events_table}), "
            f"(SELECT max(t.notification_id) FROM {schema}.{TRACKING_TABLE} t "
            f"JOIN {schema}.{GENERATIONS_TABLE} g ON g.view = t.view "
            "AND g.active = t.generation WHERE t.view = 'caseload_rows')"
        ).encode()

    def positions(self) -> tuple[int, int]:
        with self.database.connect(autocommit=True) as connection:
            row = connection.execute(self.position_sql()).fetchone()
        assert row is not None
        return int(row[0] or 0), int(row[1] or 0)

    def wait_caught_up(self, timeout: float) -> None:
        """Waits until the view's position reaches the head (tracked positions,
        never a guess), or raises after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            head, position = self.positions()
            if position >= head:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the caseload view is at {position}, the log at {head}, "
                    f"after {timeout:.0f} s"
                )
            time.sleep(self.interval)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def measuring(self, on: bool) -> None:
        if on:
            self._measuring.set()
        else:
            self._measuring.clear()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._failure is not None:
            raise self._failure

    def _poll(self) -> None:
        pending: list[tuple[int, float]] = []  # heads seen, and when
        last_head = 0
        try:
            with self.database.connect(autocommit=True) as connection:
                cursor = connection.cursor()
                sql = self.position_sql()
                while not self._stop.is_set():
                    cursor.execute(sql, prepare=True)
                    row = cursor.fetchone()
                    now = time.perf_counter()
                    self.polls += 1
                    assert row is not None
                    head, position = int(row[0] or 0), int(row[1] or 0)
                    if head > last_head:
                        if self._measuring.is_set():
                            pending.append((head, now))
                        last_head = head
                    while pending and pending[0][0] <= position:
                        self.lags.append(now - pending.pop(0)[1])
                    time.sleep(self.interval)
        except BaseException as error:
            self._failure = error


# Size of the store -------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    events: int
    events_bytes: int  # the events table: rows, TOAST and indexes
    links_bytes: int  # the hash chains' links and heads
    snapshots_bytes: int
    raw_row_bytes: float  # the mean size of a stored event's values alone

    @property
    def per_event(self) -> float:
        return (self.events_bytes + self.links_bytes) / self.events

    @property
    def with_snapshots_per_event(self) -> float:
        return self.per_event + self.snapshots_bytes / self.events


def measure_size(database: Database) -> Size:
    """Bytes on disk per event (after VACUUM), against the mean size of the values
    each event row holds (``pg_column_size`` of the row: its four columns and the
    notification id, as PostgreSQL stores them, without page, row header or index
    overhead)."""
    schema = database.schema

    def total(table: str) -> int:
        return int(
            database.scalar(
                "SELECT coalesce(pg_total_relation_size(to_regclass(%s)), 0)",
                (f'"{schema}".{table}',),
            )
        )

    with database.connect(autocommit=True) as connection:
        row = connection.execute(
            f"SELECT count(*), avg(pg_column_size(e.*)) FROM {database.events_table} e"
        ).fetchone()
    assert row is not None
    return Size(
        events=int(row[0]),
        events_bytes=total("trajectories_events"),
        links_bytes=total(LINKS_TABLE) + total(HEADS_TABLE),
        snapshots_bytes=total("trajectories_snapshots"),
        raw_row_bytes=float(row[1] or 0),
    )
