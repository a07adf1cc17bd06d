"""What must hold for the views, whatever the history and however it is fed.

Random histories of several trajectories go through the service (commands the domain
refuses are skipped). The views are fed in batches of random sizes, with batches that
fail inside their transaction and restarts (a new Views, or a new service, on the same
database) in between. Then each view equals its blue/green rebuild and the rows folded
from each trajectory's stored events, the outcome table as of today equals the live
one, and the lean folds agree with the aggregate.

The history writer (``Staff``) is shared with ``test_runner.py``: hypothesis drives it
here, a seeded random generator there.
"""

from __future__ import annotations

import random
from abc import ABC
from abc import abstractmethod
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from typing import Any
from typing import TypeVar
from unittest.mock import patch
from uuid import UUID

import pytest
from hypothesis import HealthCheck
from hypothesis import Phase
from hypothesis import given
from hypothesis import note
from hypothesis import settings
from hypothesis import strategies as st

from application.projections.caseload.rows import CaseloadRow
from application.projections.events import TOPIC_PREFIX
from application.projections.events import decode_stored
from application.projections.outcomes.facts import OutcomeFacts
from application.projections.rows import TrajectoryRow
from application.projections.runner import TrajectoryProjection
from application.projections.view import ProjectionView
from application.service import Trajectories
from application.settings import Settings
from application.views import Views
from domain.calendar import today
from domain.commands import AssessLadder
from domain.commands import AssignCoach
from domain.commands import Complete
from domain.commands import CompleteIntake
from domain.commands import CorrectEntryProfile
from domain.commands import DeclineReferral
from domain.commands import DropOut
from domain.commands import EndPlacement
from domain.commands import HoldSession
from domain.commands import IdentifyBarrier
from domain.commands import RecordExitResult
from domain.commands import RecordFollowUp
from domain.commands import Refer
from domain.commands import RegisterParticipant
from domain.commands import RegisterProgramme
from domain.commands import Reopen
from domain.commands import ResolveBarrier
from domain.commands import Resume
from domain.commands import RetractEntry
from domain.commands import StartPlacement
from domain.commands import Suspend
from domain.errors import DomainError
from domain.trajectory import Trajectory
from domain.trajectory import add_months
from domain.vocabulary import Barrier
from domain.vocabulary import DeclineReason
from domain.vocabulary import Destination
from domain.vocabulary import DropoutReason
from domain.vocabulary import EducationLevel
from domain.vocabulary import ExitStatus
from domain.vocabulary import Gender
from domain.vocabulary import LabourStatus
from domain.vocabulary import PlacementEndReason
from domain.vocabulary import PlacementType
from domain.vocabulary import ProfileField
from domain.vocabulary import Province
from domain.vocabulary import ReferralSource
from domain.vocabulary import SessionMode
from domain.vocabulary import SessionSetting
from domain.vocabulary import Stage
from domain.vocabulary import SuspensionReason
from tests.service_builders import coach_for

T = TypeVar("T")

STAFF = "an.peeters"
FIRST_REFERRAL = date(2024, 1, 1)
LAST_REFERRAL = date(2025, 6, 30)
COACHES = ("An", "Bram", "Chris")
BARRIERS = (Barrier.HOUSING, Barrier.MOBILITY, Barrier.DEBT_INCOME, Barrier.DIGITAL)
POSTCODES = ("1000", "2018", "3500", "4000", "8500", "9000")
EMPLOYERS = ("Colruyt", "Stad Gent", "Groep Intro")


@dataclass(frozen=True)
class Catalogued:
    code: str
    organisations: tuple[str, ...]
    min_age: int
    max_age: int
    session_cap: int | None
    budget: Decimal | None


PROGRAMMES = (
    Catalogued(
        "SAMENWERKT",
        ("Werkburo Oost-Vlaanderen", "Groep Intro"),
        16,
        64,
        None,
        Decimal("250000"),
    ),
    Catalogued("BUSO-AALST", ("Arktos",), 16, 24, 4, None),
)


def register_programmes(service: Trajectories) -> None:
    for programme in PROGRAMMES:
        service.register_programme(
            RegisterProgramme(
                code=programme.code,
                name=programme.code.title(),
                funder="ESF+",
                organisations=list(programme.organisations),
                starts_on=date(2023, 9, 1),
                ends_on=date(2026, 12, 31),
                budget=programme.budget,
                min_age=programme.min_age,
                max_age=programme.max_age,
                session_cap=programme.session_cap,
            ),
            recorded_by="admin",
        )


# Choices: drawn by hypothesis here, by a seeded generator in the runner tests ---------


class Chooser(ABC):
    @abstractmethod
    def integer(self, low: int, high: int) -> int: ...

    def pick(self, options: Sequence[T]) -> T:
        return options[self.integer(0, len(options) - 1)]

    def chance(self, percent: int) -> bool:
        return self.integer(1, 100) <= percent

    def some(self, options: Sequence[T]) -> list[T]:
        return [option for option in options if self.chance(35)]


class Drawn(Chooser):
    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def integer(self, low: int, high: int) -> int:
        return self.data.draw(st.integers(low, high))


class Seeded(Chooser):
    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)

    def integer(self, low: int, high: int) -> int:
        return self.random.randint(low, high)


# The history writer -------------------------------------------------------------------


class Staff:
    """Records random commands through the service, mostly ones the trajectory's stage
    allows, on dates near its own; a command the domain refuses is skipped."""

    def __init__(self, service: Trajectories, choose: Chooser) -> None:
        self.service = service
        self.choose = choose
        self.trajectory_ids: list[UUID] = []
        self.recorded = 0
        self.refused = 0

    def refer(self) -> UUID:
        choose = self.choose
        programme = choose.pick(PROGRAMMES)
        span = (LAST_REFERRAL - FIRST_REFERRAL).days
        on = FIRST_REFERRAL + timedelta(days=choose.integer(0, span))
        age = choose.integer(programme.min_age, programme.max_age)
        participant = self.service.register_participant(
            RegisterParticipant(
                given_name="Lotte",
                family_name="Claes",
                birth_date=date(on.year - age, 1, 1),
                gender=choose.pick(list(Gender)),
                confirmed_new_person=True,  # each a Lotte Claes of her own
            ),
            recorded_by=STAFF,
        )
        trajectory = self.service.refer(
            Refer(
                participant_id=participant.id,
                programme=programme.code,
                organisation=choose.pick(programme.organisations),
                referral_source=choose.pick(list(ReferralSource)),
                on=on,
            ),
            recorded_by=STAFF,
        )
        self.trajectory_ids.append(trajectory.id)
        self.recorded += 1
        return trajectory.id

    def act(self) -> None:
        """One command on one of this writer's trajectories."""
        trajectory = self.service.trajectory(self.choose.pick(self.trajectory_ids))
        command = self.choose.pick(self.commands_for(trajectory.stage))
        try:
            command(trajectory)
        except DomainError:
            self.refused += 1
        else:
            self.recorded += 1

    def commands_for(self, stage: Stage) -> Sequence[Callable[[Trajectory], None]]:
        if stage is Stage.REFERRED:
            return [self.intake] * 4 + [self.decline, self.assess, self.retract]
        if stage is Stage.ACTIVE:
            return [
                self.hold_session,
                self.hold_session,
                self.identify_barrier,
                self.resolve_barrier,
                self.assess,
                self.assign_coach,
                self.start_placement,
                self.start_placement,
                self.end_placement,
                self.suspend,
                self.complete,
                self.drop_out,
                self.correct,
                self.retract,
                self.retract,
            ]
        if stage is Stage.SUSPENDED:
            return [self.resume] * 3 + [
                self.hold_session,
                self.complete,
                self.drop_out,
                self.correct,
                self.retract,
            ]
        if stage is Stage.DECLINED:
            return [self.retract, self.intake]
        return [
            self.record_exit_result,
            self.record_exit_result,
            self.record_follow_up,
            self.record_follow_up,
            self.reopen,
            self.correct,
            self.retract,
        ]

    def day(self, *anchors: date | None, before: int = 3, after: int = 30) -> date:
        """Some days from one of the given dates, never after today."""
        known = [anchor for anchor in anchors if anchor is not None]
        days = self.choose.integer(-before, after)
        return min(self.choose.pick(known) + timedelta(days=days), today())

    # Commands ----------------------------------------------------------------------

    def intake(self, t: Trajectory) -> None:
        choose = self.choose
        self.service.record(
            t.id,
            CompleteIntake(
                on=self.day(t.referred_on, t.last_on),
                coach_id=coach_for(self.service, t.id, choose.pick(COACHES)),
                rung=choose.integer(1, 6),
                labour_status=choose.pick(list(LabourStatus)),
                education_level=choose.pick(list(EducationLevel)),
                barriers=choose.some(BARRIERS),
                disability=choose.chance(30),
                postcode=choose.pick(POSTCODES),
            ),
            recorded_by=STAFF,
        )

    def decline(self, t: Trajectory) -> None:
        self.service.record(
            t.id,
            DeclineReferral(
                on=self.day(t.last_on), reason=self.choose.pick(list(DeclineReason))
            ),
            recorded_by=STAFF,
        )

    def correct(self, t: Trajectory) -> None:
        choose = self.choose
        field = choose.pick(
            [ProfileField.RUNG, ProfileField.BARRIERS, ProfileField.POSTCODE]
        )
        value: Any
        if field is ProfileField.RUNG:
            value = choose.integer(1, 6)
        elif field is ProfileField.BARRIERS:
            value = choose.some(BARRIERS)
        else:
            value = choose.pick(POSTCODES)
        self.service.record(
            t.id,
            CorrectEntryProfile(
                on=self.day(t.intake_on, t.last_on),
                field=field,
                value=value,
                reason="entered in error",
            ),
            recorded_by=STAFF,
        )

    def assign_coach(self, t: Trajectory) -> None:
        self.service.record(
            t.id,
            AssignCoach(
                on=self.day(t.last_on),
                coach_id=coach_for(self.service, t.id, self.choose.pick(COACHES)),
            ),
            recorded_by=STAFF,
        )

    def assess(self, t: Trajectory) -> None:
        self.service.record(
            t.id,
            AssessLadder(
                on=self.day(t.intake_on, t.last_on, t.referred_on),
                rung=self.choose.integer(1, 6),
            ),
            recorded_by=STAFF,
        )

    def identify_barrier(self, t: Trajectory) -> None:
        self.service.record(
            t.id,
            IdentifyBarrier(on=self.day(t.last_on), barrier=self.choose.pick(BARRIERS)),
            recorded_by=STAFF,
        )

    def resolve_barrier(self, t: Trajectory) -> None:
        self.service.record(
            t.id,
            ResolveBarrier(
                on=self.day(t.last_on),
                barrier=self.choose.pick(t.open_barriers or BARRIERS),
            ),
            recorded_by=STAFF,
        )

    def hold_session(self, t: Trajectory) -> None:
        choose = self.choose
        self.service.record(
            t.id,
            HoldSession(
                on=self.day(t.last_on, t.intake_on),
                minutes=choose.pick([30, 45, 60, 90]),
                mode=choose.pick(list(SessionMode)),
                setting=choose.pick(list(SessionSetting)),
                note="talked about the bus to work",
            ),
            recorded_by=STAFF,
        )

    def start_placement(self, t: Trajectory) -> None:
        choose = self.choose
        self.service.record(
            t.id,
            StartPlacement(
                on=self.day(t.last_on),
                placement_type=choose.pick(list(PlacementType)),
                employer=choose.pick(EMPLOYERS),
                paid=choose.chance(60),
                hours_per_week=float(choose.pick([8, 19, 30, 38])),
            ),
            recorded_by=STAFF,
        )

    def end_placement(self, t: Trajectory) -> None:
        placements = t.current_placements or t.placements
        if not placements:
            raise DomainError("no placement to end")
        placement = self.choose.pick(placements)
        self.service.record(
            t.id,
            EndPlacement(
                placement_id=placement.placement_id,
                on=self.day(placement.started_on, t.last_on),
                reason=self.choose.pick(list(PlacementEndReason)),
            ),
            recorded_by=STAFF,
        )

    def suspend(self, t: Trajectory) -> None:
        self.service.record(
            t.id,
            Suspend(
                on=self.day(t.last_on, before=0),
                reason=self.choose.pick(list(SuspensionReason)),
            ),
            recorded_by=STAFF,
        )

    def resume(self, t: Trajectory) -> None:
        self.service.record(
            t.id,
            Resume(
                on=self.day(t.suspended_on, t.last_on, before=0),
                reason=self.choose.pick(list(SuspensionReason)),
            ),
            recorded_by=STAFF,
        )

    def complete(self, t: Trajectory) -> None:
        self.service.record(
            t.id,
            Complete(
                on=self.day(t.last_on, before=0),
                destination=self.choose.pick(list(Destination)),
            ),
            recorded_by=STAFF,
        )

    def drop_out(self, t: Trajectory) -> None:
        self.service.record(
            t.id,
            DropOut(
                on=self.day(t.last_on, before=0),
                reason=self.choose.pick(list(DropoutReason)),
            ),
            recorded_by=STAFF,
        )

    def record_exit_result(self, t: Trajectory) -> None:
        self.service.record(
            t.id,
            RecordExitResult(
                observed_on=self.day(t.exit_on, before=0, after=28),
                status=self.choose.pick(list(ExitStatus)),
            ),
            recorded_by=STAFF,
        )

    def record_follow_up(self, t: Trajectory) -> None:
        milestone = self.choose.pick([6, 12])
        due = None if t.exit_on is None else add_months(t.exit_on, milestone)
        self.service.record(
            t.id,
            RecordFollowUp(
                milestone=milestone,
                observed_on=self.day(due, t.last_on, before=30, after=30),
                status=self.choose.pick(list(ExitStatus)),
            ),
            recorded_by=STAFF,
        )

    def reopen(self, t: Trajectory) -> None:
        self.service.record(
            t.id,
            Reopen(on=self.day(t.last_on, before=0, after=20), reason="came back"),
            recorded_by=STAFF,
        )

    def retract(self, t: Trajectory) -> None:
        self.service.record(
            t.id,
            RetractEntry(
                on=self.day(t.last_on, before=0, after=5),
                version=self.choose.integer(2, max(t.version, 2)),
                reason="entered in error",
            ),
            recorded_by=STAFF,
        )


# Reading the views and folding the store ----------------------------------------------


Row = dict[str, Any]


def named(view: ProjectionView[Any], row: TrajectoryRow) -> Row:
    """A row's values by column name (so that a failure says which column)."""
    return dict(zip((c.name for c in view.columns), row.values(), strict=True))


def rows_of(
    view: ProjectionView[Any], ids: Iterable[UUID] | None = None
) -> dict[UUID, Row]:
    """The view's rows (active generation) by trajectory, optionally only those of
    some trajectories."""
    rows = {row.trajectory_id: named(view, row) for row in view.rows()}
    if ids is None:
        return rows
    return {i: rows[i] for i in ids if i in rows}


def folded_rows(
    service: Trajectories, projection: TrajectoryProjection, ids: Iterable[UUID]
) -> dict[UUID, Row]:
    """Each trajectory's row folded straight from its stored events (those of the
    view's topics, as the view reads them)."""
    rows = {}
    for trajectory_id in ids:
        stored = service.recorder.select_events(trajectory_id)
        events = [
            e
            for e in decode_stored(stored)
            if TOPIC_PREFIX + e.type in projection.topics
        ]
        row = projection.view.row_class.fold(events)
        if row is not None:
            rows[trajectory_id] = named(projection.view, row)
    return rows


def assert_same_rows(
    actual: dict[UUID, Row], expected: dict[UUID, Row], view: str = ""
) -> None:
    """Row by row, so that a failure names the view, the trajectory and the column."""
    assert sorted(map(str, actual)) == sorted(map(str, expected)), view
    for trajectory_id, row in expected.items():
        assert actual[trajectory_id] == row, f"{view} {trajectory_id}"


def projections_of(views: Views) -> list[TrajectoryProjection]:
    return [views.caseload, views.outcomes]


class Crash(Exception):
    """The process died in the middle of a batch."""


def crashing_after(method: Callable[..., Any]) -> Callable[..., Any]:
    def crash(*args: Any, **kwargs: Any) -> Any:
        method(*args, **kwargs)
        raise Crash("the process died inside the batch's transaction")

    return crash


CRASH_POINTS = ("upsert_rows", "_track")


@dataclass
class World:
    """One database for a whole hypothesis run, and the service currently on it."""

    database_url: str
    service: Trajectories

    def restart(self) -> None:
        """A new process: a new service on the same database."""
        self.service.close()
        self.service = Trajectories(Settings(database_url=self.database_url))


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    world = World(database_url, Trajectories(Settings(database_url=database_url)))
    register_programmes(world.service)
    yield world
    world.service.close()


GROUPINGS: tuple[tuple[tuple[str, ...], str], ...] = (
    ((), "referral"),
    (("programme",), "referral"),
    (("organisation", "cohort"), "referral"),
    (("referral_source", "province"), "intake"),
    (("age_band", "gender", "cohort"), "intake"),
)
MOVES = ("record",) * 6 + ("step",) * 3 + ("crash", "restart")


def iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def code(value: Any) -> Any:
    return None if value is None else value.value


def derived(row: TrajectoryRow) -> Row:
    names = [c.name for c in row.columns if c.derived]
    return dict(zip(names, row.derived(), strict=True))


def assert_caseload_agrees(row: CaseloadRow, t: Trajectory) -> None:
    assert row.stage == t.stage.value
    assert (row.coach, row.coach_id) == (t.coach, t.coach_id)
    assert row.referred_on == iso(t.referred_on)
    assert row.intake_on == iso(t.intake_on)
    assert row.last_contact_on == iso(t.last_contact_on)
    assert row.open_barriers == [b.value for b in t.open_barriers]
    assert row.entry_barriers == [b.value for b in t.entry_barriers]
    assert row.rung_at_intake == t.rung_at_intake
    assert derived(row)["latest_rung"] == t.latest_rung
    assert row.suspended_on == iso(t.suspended_on)
    assert row.exit_on == iso(t.exit_on)
    placements = [
        (
            UUID(p["placement_id"]),
            p["placement_type"],
            p["employer"],
            p["started_on"],
            p["hours_per_week"],
            p["paid"],
        )
        for p in row.placements
    ]
    assert placements == [
        (
            p.placement_id,
            p.placement_type.value,
            p.employer,
            p.started_on.isoformat(),
            p.hours_per_week,
            p.paid,
        )
        for p in t.current_placements
    ]


def assert_facts_agree(facts: OutcomeFacts, t: Trajectory) -> None:
    assert facts.stage == t.stage.value
    assert facts.declined_on == iso(t.declined_on)
    assert facts.intake_on == iso(t.intake_on)
    assert facts.exit_on == iso(t.exit_on)
    assert facts.dropout_reason == code(t.dropout_reason)
    first_placement = min((p.started_on for p in t.placements), default=None)
    assert facts.first_placement_on == iso(first_placement)
    assert facts.competitive == any(p.competitive for p in t.placements)
    assert facts.exit_result == code(t.exit_result)
    assert facts.follow_up_6 == code(t.follow_ups.get("6"))
    assert facts.follow_up_12 == code(t.follow_ups.get("12"))
    assert facts.rung_at_intake == t.rung_at_intake
    assert derived(facts)["latest_rung"] == t.latest_rung
    province = Province.of(t.postcode) if t.postcode else None
    assert facts.province == code(province)
    assert facts.labour_status == code(t.labour_status)
    assert facts.education_level == code(t.education_level)
    assert facts.disability == t.disability


def crash_a_batch(views: Views, choose: Chooser) -> None:
    """A batch that dies inside its transaction leaves rows and position alone.
    (A batch that changes no row writes none, and so commits unharmed.)"""
    projection = choose.pick(projections_of(views))
    view = projection.view
    point = choose.pick(CRASH_POINTS)
    limit = choose.integer(1, 8)
    position, rows = view.position(), rows_of(view)
    with patch.object(view, point, crashing_after(getattr(view, point))):
        try:
            views.runner.step(projection, limit=limit)
        except Crash:
            note(f"crash {projection.name} by {limit} in {point}")
            assert view.position() == position
            assert rows_of(view) == rows
        else:
            note(f"step {projection.name} by {limit} (no row to crash in)")


def assert_views_hold_the_histories(views: Views, ids: Sequence[UUID]) -> None:
    service = views.app

    # Each view equals the rows folded from the store, and its rebuild
    live = {}
    for projection in projections_of(views):
        live[projection.name] = rows_of(projection.view)
        folded = folded_rows(service, projection, ids)
        assert_same_rows(rows_of(projection.view, ids), folded, projection.name)
    for grouping, cohort_by in GROUPINGS:
        table = views.outcome_table(grouping, cohort_by=cohort_by, suppress=False)
        as_of = views.outcome_table(
            grouping, cohort_by=cohort_by, as_of=today(), suppress=False
        )
        assert as_of.rows == table.rows, grouping
    known_now = views.outcome_table(known_at=datetime.now(UTC), suppress=False)
    assert known_now.rows == views.outcome_table(suppress=False).rows
    for projection in projections_of(views):
        views.rebuild(projection.name)
        assert_same_rows(
            rows_of(projection.view), live[projection.name], projection.name
        )

    # And the lean folds agree with the aggregate
    caseload = {r.trajectory_id: r for r in views.caseload.view.rows()}
    facts = {r.trajectory_id: r for r in views.outcomes.view.rows()}
    for trajectory_id in ids:
        trajectory = service.trajectory(trajectory_id)
        assert_caseload_agrees(caseload[trajectory_id], trajectory)
        assert_facts_agree(facts[trajectory_id], trajectory)


def note_histories(service: Trajectories, ids: Sequence[UUID]) -> None:
    for trajectory_id in ids:
        entries = [
            f"{e.version} {e.type} {e.business_date}"
            + ("" if e.retracted_by is None else f" (retracted by {e.retracted_by})")
            for e in service.history(trajectory_id)
        ]
        note(f"{trajectory_id}:\n  " + "\n  ".join(entries))


# The examples share one database, which grows, so shrinking a failure would take
# minutes: a failure names the trajectory and column, and notes every history.
@settings(
    max_examples=50,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=st.data())
def test_views_fed_in_random_batches_through_crashes_equal_their_rebuild_and_fold(
    world: World, data: st.DataObject
) -> None:
    # Given the views as built from scratch, and a few new trajectories
    choose = Drawn(data)
    views = Views(world.service)
    for name in views.projections:
        views.rebuild(name)
    staff = Staff(world.service, choose)
    for _ in range(choose.integer(2, 4)):
        staff.refer()

    # When commands, batches of random sizes, crashes and restarts interleave
    for _ in range(choose.integer(10, 45)):
        move = choose.pick(MOVES)
        if move == "record":
            staff.act()
        elif move == "step":
            projection, limit = choose.pick(projections_of(views)), choose.integer(1, 8)
            note(f"step {projection.name} by {limit}")
            views.runner.step(projection, limit=limit)
        elif move == "crash":
            crash_a_batch(views, choose)
        else:
            if choose.chance(40):
                note("restart the service")
                world.restart()
                staff.service = world.service
            note("restart the views")
            views = Views(world.service)
    views.catch_up()

    # Then the views hold the histories, as the store and the aggregates say
    try:
        assert_views_hold_the_histories(views, staff.trajectory_ids)
    except AssertionError:
        note_histories(world.service, staff.trajectory_ids)
        raise
    # and every event is linked to the one before it in its history's chain
    verification = world.service.verify()
    assert verification.intact, verification.broken


def test_a_retraction_leaves_the_row_as_its_rebuild_folds_it(database_url: str) -> None:
    """The smallest history the property above found: the outcome facts skip
    sessions, so a rebuild's row ends at the intake's version, but the live row
    refolded for the retraction ended at the session's."""
    # Given an intake, a ladder assessment, a session, and the assessment retracted
    service = Trajectories(Settings(database_url=database_url))
    try:
        register_programmes(service)
        staff = Staff(service, Seeded(0))
        trajectory_id = staff.refer()
        trajectory = service.trajectory(trajectory_id)
        on = trajectory.referred_on
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
        service.record(trajectory_id, AssessLadder(on=on, rung=3), recorded_by=STAFF)
        service.record(
            trajectory_id,
            HoldSession(
                on=on,
                minutes=45,
                mode=SessionMode.INDIVIDUAL,
                setting=SessionSetting.OFFICE,
                note="talked about the bus to work",
            ),
            recorded_by=STAFF,
        )
        service.record(
            trajectory_id,
            RetractEntry(on=on, version=3, reason="wrong rung"),
            recorded_by=STAFF,
        )

        # When the views catch up, and are then rebuilt
        views = Views(service)
        views.catch_up()
        live = {p.name: rows_of(p.view) for p in projections_of(views)}
        for name in views.projections:
            views.rebuild(name)

        # Then the live rows were the rebuilt ones, and those folded from the store
        for projection in projections_of(views):
            folded = folded_rows(service, projection, [trajectory_id])
            assert_same_rows(rows_of(projection.view), folded, projection.name)
            assert_same_rows(live[projection.name], folded, projection.name)
    finally:
        service.close()
