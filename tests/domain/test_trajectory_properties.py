"""What must hold for every history of a Trajectory.

A state machine sends random commands, valid and invalid, to one trajectory. A refused
command leaves the aggregate untouched. After every step the domain rules hold, and the
live aggregate equals the one rebuilt from its events (as triggered, as stored, and
from a snapshot) and the one that only ever saw the events that were not retracted.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import timedelta
from typing import Any
from typing import TypeVar
from uuid import UUID
from uuid import uuid4

from eventsourcing.persistence import JSONTranscoder
from eventsourcing.persistence import Mapper
from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine
from hypothesis.stateful import initialize
from hypothesis.stateful import invariant
from hypothesis.stateful import rule

from application.service import Trajectories
from domain.coach import CoachRef
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
from domain.commands import Reopen
from domain.commands import ResolveBarrier
from domain.commands import Resume
from domain.commands import RetractEntry
from domain.commands import StartPlacement
from domain.commands import Suspend
from domain.errors import EXIT_RESULT_WINDOW_DAYS
from domain.errors import FOLLOW_UP_WINDOW_DAYS
from domain.errors import DomainError
from domain.trajectory import Trajectory
from domain.trajectory import add_months
from domain.vocabulary import FOLLOW_UP_MILESTONES
from domain.vocabulary import AgeBand
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
from domain.vocabulary import ReferralSource
from domain.vocabulary import SessionMode
from domain.vocabulary import SessionSetting
from domain.vocabulary import Stage
from domain.vocabulary import SuspensionReason
from tests.domain.builders import coach_ref

T = TypeVar("T")

FIRST_DAY = date(2024, 1, 1)
LAST_DAY = min(date(2025, 12, 31), date.today())
LAST_REFERRAL_DAY = LAST_DAY - timedelta(days=180)


def mostly(valid: st.SearchStrategy[T], *invalid: T) -> st.SearchStrategy[T]:
    """Valid nine times in ten, so that histories grow; invalid now and then."""
    return st.integers(0, 9).flatmap(lambda n: valid if n else st.sampled_from(invalid))


STAFF = mostly(st.sampled_from(["an.peeters", "bram.declercq"]), " ")
COACHES = mostly(st.sampled_from(["An", "Bram", "Chris"]), " ")
REASONS = mostly(st.sampled_from(["entered in error", "wrong participant"]), " ")
RUNGS = mostly(st.integers(1, 6), 0, 7)
FEW_BARRIERS = (Barrier.HOUSING, Barrier.MOBILITY, Barrier.DEBT_INCOME, Barrier.DIGITAL)
BARRIER_LISTS = st.lists(st.sampled_from(FEW_BARRIERS), max_size=3)
POSTCODES = mostly(st.sampled_from(["1000", "2018", "3500", "9000"]), "0999", "90a0")
MINUTES = mostly(st.one_of(st.integers(1, 180), st.just(1440)), 0, 1441)
HOURS = mostly(st.one_of(st.sampled_from([19, 38.0, 60]), st.floats(1, 40)), 0, 60.5)
EMPLOYERS = mostly(st.sampled_from(["Colruyt", "Stad Gent"]), " ")
PROFILE_VALUES: dict[ProfileField, st.SearchStrategy[Any]] = {
    ProfileField.RUNG: RUNGS,
    ProfileField.LABOUR_STATUS: mostly(
        st.sampled_from([*LabourStatus, "inactive"]), "retired"
    ),
    ProfileField.EDUCATION_LEVEL: mostly(
        st.sampled_from([*EducationLevel, "isced_3_4"]), "phd"
    ),
    ProfileField.BARRIERS: mostly(
        st.one_of(BARRIER_LISTS, st.lists(st.sampled_from(["housing"]))),
        ["luck"],
        "housing",
    ),
    ProfileField.DISABILITY: mostly(st.booleans(), "yes"),
    ProfileField.POSTCODE: POSTCODES,
}


@dataclass(frozen=True)
class When:
    """Where a command's date falls: some days from one of the trajectory's own
    dates (the referral, the last event's, or one the rule names), or, now and then,
    anywhere in the window (a fraction of it)."""

    anchor: int
    days: int
    anywhere: float | None


WHEN = st.builds(
    When,
    anchor=st.integers(0, 3),
    days=st.integers(-7, 45),
    anywhere=st.integers(0, 9).flatmap(lambda n: st.none() if n else st.floats(0, 1)),
)

NEEDS_INTAKE_DATED_AFTER_IT = frozenset(
    {
        "EntryProfileCorrected",
        "CoachAssigned",
        "LadderAssessed",
        "BarrierIdentified",
        "BarrierResolved",
        "SessionHeld",
        "PlacementStarted",
        "PlacementEnded",
        "TrajectorySuspended",
        "TrajectoryResumed",
        "TrajectoryCompleted",
        "DroppedOut",
    }
)


def project_transcoder() -> JSONTranscoder:
    """A transcoder with the project's own registrations (the method needs no state)."""
    transcoder = JSONTranscoder()
    Trajectories.register_transcodings(Trajectories.__new__(Trajectories), transcoder)
    return transcoder


MAPPER: Mapper[UUID] = Mapper(transcoder=project_transcoder())


def name_of(domain_event: object) -> str:
    return type(domain_event).__name__


def business_day(domain_event: object) -> date | None:
    fields = vars(domain_event)
    day = fields.get("on", fields.get("observed_on"))
    return day if isinstance(day, date) else None


def rebuilt(events: Iterable[Any]) -> Trajectory:
    aggregate: Any = None
    for domain_event in events:
        aggregate = domain_event.mutate(aggregate)
    assert isinstance(aggregate, Trajectory)
    return aggregate


def round_tripped(domain_event: Any) -> Any:
    return MAPPER.to_domain_event(MAPPER.to_stored_event(domain_event))


def retracted_versions(events: Iterable[Any]) -> set[int]:
    return {vars(e)["version"] for e in events if name_of(e) == "EntryRetracted"}


def counting_events(events: Sequence[Any]) -> list[Any]:
    """The events after the referral that count: no retractions, nothing retracted."""
    retracted = retracted_versions(events)
    return [
        e
        for e in events[1:]
        if name_of(e) != "EntryRetracted" and e.originator_version not in retracted
    ]


def replayed_without_retracted(events: Sequence[Any]) -> Trajectory:
    """A fresh aggregate that only ever saw the events that count."""
    aggregate = rebuilt(events[:1])
    for domain_event in counting_events(events):
        aggregate.version = domain_event.originator_version - 1
        domain_event.mutate(aggregate)
    return aggregate


def without(state: dict[str, Any], *names: str) -> dict[str, Any]:
    return {key: value for key, value in state.items() if key not in names}


@dataclass
class Model:
    """An independent reading of the events that count, following DOMAIN.md."""

    last_on: date
    stage: Stage = Stage.REFERRED
    intake_on: date | None = None
    exit_on: date | None = None
    coach: str | None = None
    coach_id: UUID | None = None
    rung_at_intake: int | None = None
    last_assessed_rung: int | None = None
    entry_barriers: list[Barrier] = field(default_factory=list)
    open_barriers: list[Barrier] = field(default_factory=list)
    barriers_with_events: set[Barrier] = field(default_factory=set)
    sessions_held: int = 0
    session_minutes: int = 0
    last_contact_on: date | None = None
    current_placements: set[UUID] = field(default_factory=set)
    exit_result: ExitStatus | None = None
    follow_ups: dict[str, ExitStatus] = field(default_factory=dict)

    @property
    def latest_rung(self) -> int | None:
        """The last ladder assessment, or the intake rung when there is none."""
        if self.last_assessed_rung is not None:
            return self.last_assessed_rung
        return self.rung_at_intake

    @classmethod
    def of(cls, referred_on: date, events: Iterable[Any]) -> Model:
        model = cls(last_on=referred_on)
        for domain_event in events:
            model.read(name_of(domain_event), vars(domain_event))
            day = business_day(domain_event)
            assert day is not None
            model.last_on = max(model.last_on, day)
        return model

    def read(self, name: str, data: dict[str, Any]) -> None:
        if name == "ReferralDeclined":
            self.stage = Stage.DECLINED
        elif name == "IntakeCompleted":
            self.stage, self.intake_on = Stage.ACTIVE, data["on"]
            self.coach, self.rung_at_intake = data["coach"], data["rung"]
            self.coach_id = data["coach_id"]
            self.entry_barriers = list(data["barriers"])
            self.open_barriers = list(data["barriers"])
            self.last_contact_on = data["on"]
        elif name == "EntryProfileCorrected" and data["field"] is ProfileField.RUNG:
            self.rung_at_intake = data["value"]
        elif name == "EntryProfileCorrected" and data["field"] is ProfileField.BARRIERS:
            self.correct_entry_barriers(list(data["value"]))
        elif name == "CoachAssigned":
            self.coach, self.coach_id = data["coach"], data["coach_id"]
        elif name == "LadderAssessed":
            self.last_assessed_rung = data["rung"]
        elif name == "BarrierIdentified":
            self.open_barriers.append(data["barrier"])
            self.barriers_with_events.add(data["barrier"])
        elif name == "BarrierResolved":
            self.open_barriers.remove(data["barrier"])
            self.barriers_with_events.add(data["barrier"])
        elif name == "SessionHeld":
            self.sessions_held += 1
            self.session_minutes += data["minutes"]
            assert self.last_contact_on is not None
            self.last_contact_on = max(self.last_contact_on, data["on"])
        elif name == "PlacementStarted":
            self.current_placements.add(data["placement_id"])
        elif name == "PlacementEnded":
            self.current_placements.discard(data["placement_id"])
        elif name == "TrajectorySuspended":
            self.stage = Stage.SUSPENDED
        elif name == "TrajectoryResumed":
            self.stage = Stage.ACTIVE
        elif name == "TrajectoryCompleted":
            self.stage, self.exit_on = Stage.COMPLETED, data["on"]
        elif name == "DroppedOut":
            self.stage, self.exit_on = Stage.DROPPED_OUT, data["on"]
        elif name == "ExitResultRecorded":
            self.exit_result = data["status"]
        elif name == "FollowUpRecorded":
            self.follow_ups[str(data["milestone"])] = data["status"]
        elif name == "TrajectoryReopened":
            self.stage, self.exit_on = Stage.ACTIVE, None
            self.exit_result, self.follow_ups = None, {}

    def correct_entry_barriers(self, corrected: list[Barrier]) -> None:
        """The aggregate's rule (DOMAIN.md is silent): a barrier taken out of the
        entry profile is no longer open, and one put in opens, unless a barrier
        event of its own (identified or resolved) says otherwise."""
        old, own = self.entry_barriers, self.barriers_with_events
        kept = [
            b for b in self.open_barriers if b in corrected or b not in old or b in own
        ]
        opened = [
            b for b in corrected if b not in old and b not in kept and b not in own
        ]
        self.open_barriers, self.entry_barriers = kept + opened, corrected


class TrajectoryMachine(RuleBasedStateMachine):
    trajectory: Trajectory

    def __init__(self) -> None:
        super().__init__()
        self.events: list[Any] = []
        self.decoded_events: list[Any] = []
        self.sessions_seen = 0
        self.last_event = ""
        self.checked_at: dict[str, int] = {}

    # Helpers ---------------------------------------------------------------------

    def attempt(
        self,
        command: Any,
        by: str,
        session_cap: int | None = None,
        coach: CoachRef | None = None,
        group_session_id: UUID | None = None,
    ) -> None:
        """Runs a command: it triggers one event, or refuses and changes nothing."""
        trajectory = self.trajectory
        before = copy.deepcopy(trajectory)
        try:
            trajectory.record(
                command,
                by,
                session_cap=session_cap,
                coach=coach,
                group_session_id=group_session_id,
            )
        except DomainError:
            assert trajectory.version == before.version
            assert vars(trajectory) == vars(before)
            assert trajectory.collect_events() == []
            return
        new_events = trajectory.collect_events()
        assert [name_of(e) for e in new_events] == [command.event_type]
        # What the rules accepted, the pages offered as possible (``may_record``).
        assert before.may_record(command.event_type), command.event_type
        assert new_events[0].originator_version == before.version + 1
        self.collect(new_events)

    def collect(self, new_events: Sequence[Any]) -> None:
        for domain_event in new_events:
            decoded = round_tripped(domain_event)
            assert vars(decoded) == vars(domain_event)
            self.events.append(domain_event)
            self.decoded_events.append(decoded)
            self.last_event = name_of(domain_event)

    def is_new_to(self, check: str) -> bool:
        """Whether ``check`` has not yet seen the latest event. A refused command
        changes nothing (``attempt`` proves it), so the costly checks of the whole
        history only need to run after an event."""
        seen, self.checked_at[check] = self.checked_at.get(check), len(self.events)
        return seen != len(self.events)

    def day(self, when: When, *anchors: date | None) -> date:
        """A day from the referral to the last day, mostly near one of the
        trajectory's own dates, so that windows and orderings get hit."""
        referred_on = self.trajectory.referred_on
        if when.anywhere is not None:
            window = (LAST_DAY - referred_on).days
            return referred_on + timedelta(days=round(window * when.anywhere))
        candidates = [referred_on, self.trajectory.last_on]
        candidates += [a for a in anchors if a is not None]
        anchor = candidates[when.anchor % len(candidates)]
        day = anchor + timedelta(days=when.days)
        return min(max(day, referred_on), LAST_DAY)

    def placement_id(self, data: st.DataObject) -> UUID:
        known = [p.placement_id for p in self.trajectory.placements]
        if known and data.draw(st.integers(0, 4), label="known placement") > 0:
            return data.draw(st.sampled_from(known), label="placement")
        return uuid4()

    # Rules -----------------------------------------------------------------------

    @initialize(
        on=st.dates(FIRST_DAY, LAST_REFERRAL_DAY),
        source=st.sampled_from(ReferralSource),
        age_band=st.sampled_from(AgeBand),
        gender=st.sampled_from(Gender),
        days_to_intake=st.one_of(st.none(), st.integers(0, 60)),
        rung=st.integers(1, 6),
        barriers=BARRIER_LISTS,
    )
    def refer(
        self,
        on: date,
        source: ReferralSource,
        age_band: AgeBand,
        gender: Gender,
        days_to_intake: int | None,
        rung: int,
        barriers: list[Barrier],
    ) -> None:
        """Receives a referral and, in half of the histories, takes it in at once."""
        self.trajectory = Trajectory.refer(
            Refer(
                participant_id=uuid4(),
                programme="SAMENWERKT",
                organisation="Werkburo Oost-Vlaanderen",
                referral_source=source,
                on=on,
            ),
            age_band=age_band,
            gender=gender,
            recorded_by="an.peeters",
        )
        self.collect(self.trajectory.collect_events())
        if days_to_intake is not None:
            self.attempt(
                CompleteIntake(
                    on=on + timedelta(days=days_to_intake),
                    coach_id=coach_ref("An").id,
                    rung=rung,
                    labour_status=LabourStatus.LONG_TERM_UNEMPLOYED,
                    education_level=EducationLevel.ISCED_0_2,
                    barriers=barriers,
                    disability=False,
                    postcode="9000",
                ),
                "an.peeters",
                coach=coach_ref("An"),
            )

    @rule(when=WHEN, reason=st.sampled_from(DeclineReason), by=STAFF)
    def decline_referral(self, when: When, reason: DeclineReason, by: str) -> None:
        on = self.day(when)
        self.attempt(DeclineReferral(on=on, reason=reason), by)

    @rule(
        when=WHEN,
        coach=COACHES,
        rung=RUNGS,
        labour_status=st.sampled_from(LabourStatus),
        education_level=st.sampled_from(EducationLevel),
        barriers=BARRIER_LISTS,
        disability=st.booleans(),
        postcode=POSTCODES,
        by=STAFF,
    )
    def complete_intake(
        self,
        when: When,
        coach: str,
        rung: int,
        labour_status: LabourStatus,
        education_level: EducationLevel,
        barriers: list[Barrier],
        disability: bool,
        postcode: str,
        by: str,
    ) -> None:
        self.attempt(
            CompleteIntake(
                on=self.day(when),
                coach_id=coach_ref(coach).id,
                rung=rung,
                labour_status=labour_status,
                education_level=education_level,
                barriers=barriers,
                disability=disability,
                postcode=postcode,
            ),
            by,
            coach=coach_ref(coach),
        )

    @rule(
        data=st.data(),
        when=WHEN,
        profile_field=st.sampled_from(ProfileField),
        reason=REASONS,
        by=STAFF,
    )
    def correct_entry_profile(
        self,
        data: st.DataObject,
        when: When,
        profile_field: ProfileField,
        reason: str,
        by: str,
    ) -> None:
        value = data.draw(PROFILE_VALUES[profile_field], label="value")
        self.attempt(
            CorrectEntryProfile(
                on=self.day(when, self.trajectory.intake_on),
                field=profile_field,
                value=value,
                reason=reason,
            ),
            by,
        )

    @rule(when=WHEN, coach=COACHES, by=STAFF)
    def assign_coach(self, when: When, coach: str, by: str) -> None:
        on = self.day(when, self.trajectory.intake_on)
        self.attempt(
            AssignCoach(on=on, coach_id=coach_ref(coach).id), by, coach=coach_ref(coach)
        )

    @rule(when=WHEN, rung=RUNGS, by=STAFF)
    def assess_ladder(self, when: When, rung: int, by: str) -> None:
        on = self.day(when, self.trajectory.intake_on)
        self.attempt(AssessLadder(on=on, rung=rung), by)

    @rule(when=WHEN, barrier=st.sampled_from(FEW_BARRIERS), by=STAFF)
    def identify_barrier(self, when: When, barrier: Barrier, by: str) -> None:
        on = self.day(when, self.trajectory.intake_on)
        self.attempt(IdentifyBarrier(on=on, barrier=barrier), by)

    @rule(when=WHEN, barrier=st.sampled_from(FEW_BARRIERS), by=STAFF)
    def resolve_barrier(self, when: When, barrier: Barrier, by: str) -> None:
        on = self.day(when, self.trajectory.intake_on)
        self.attempt(ResolveBarrier(on=on, barrier=barrier), by)

    @rule(
        when=WHEN,
        minutes=MINUTES,
        mode=st.sampled_from(SessionMode),
        setting=st.sampled_from(SessionSetting),
        session_cap=st.one_of(st.none(), st.integers(1, 3)),
        group_session_id=st.one_of(st.none(), st.uuids()),
        by=STAFF,
    )
    def hold_session(
        self,
        when: When,
        minutes: int,
        mode: SessionMode,
        setting: SessionSetting,
        session_cap: int | None,
        group_session_id: UUID | None,
        by: str,
    ) -> None:
        self.attempt(
            HoldSession(
                on=self.day(when, self.trajectory.intake_on),
                minutes=minutes,
                mode=mode,
                setting=setting,
                note="talked about the bus to work",
            ),
            by,
            session_cap=session_cap,
            group_session_id=group_session_id,
        )

    @rule(
        data=st.data(),
        when=WHEN,
        placement_type=st.sampled_from(PlacementType),
        employer=EMPLOYERS,
        paid=st.booleans(),
        hours=HOURS,
        by=STAFF,
    )
    def start_placement(
        self,
        data: st.DataObject,
        when: When,
        placement_type: PlacementType,
        employer: str,
        paid: bool,
        hours: float,
        by: str,
    ) -> None:
        self.attempt(
            StartPlacement(
                placement_id=self.placement_id(data),
                on=self.day(when, self.trajectory.intake_on),
                placement_type=placement_type,
                employer=employer,
                paid=paid,
                hours_per_week=hours,
            ),
            by,
        )

    @rule(
        data=st.data(), when=WHEN, reason=st.sampled_from(PlacementEndReason), by=STAFF
    )
    def end_placement(
        self, data: st.DataObject, when: When, reason: PlacementEndReason, by: str
    ) -> None:
        placement_id = self.placement_id(data)
        starts = [
            p.started_on
            for p in self.trajectory.placements
            if p.placement_id == placement_id
        ]
        self.attempt(
            EndPlacement(
                placement_id=placement_id, on=self.day(when, *starts), reason=reason
            ),
            by,
        )

    @rule(when=WHEN, reason=st.sampled_from(SuspensionReason), by=STAFF)
    def suspend(self, when: When, reason: SuspensionReason, by: str) -> None:
        on = self.day(when, self.trajectory.intake_on)
        self.attempt(Suspend(on=on, reason=reason), by)

    @rule(when=WHEN, reason=st.sampled_from(SuspensionReason), by=STAFF)
    def resume(self, when: When, reason: SuspensionReason, by: str) -> None:
        on = self.day(when, self.trajectory.suspended_on)
        self.attempt(Resume(on=on, reason=reason), by)

    @rule(when=WHEN, destination=st.sampled_from(Destination), by=STAFF)
    def complete(self, when: When, destination: Destination, by: str) -> None:
        on = self.day(when)
        self.attempt(Complete(on=on, destination=destination), by)

    @rule(
        when=WHEN,
        reason=mostly(st.sampled_from(DropoutReason), None),
        by=STAFF,
    )
    def drop_out(self, when: When, reason: DropoutReason | None, by: str) -> None:
        on = self.day(when)
        untyped: Any = reason  # None at times: an untyped caller's missing reason
        self.attempt(DropOut(on=on, reason=untyped), by)

    @rule(when=WHEN, status=st.sampled_from(ExitStatus), by=STAFF)
    def record_exit_result(self, when: When, status: ExitStatus, by: str) -> None:
        observed_on = self.day(when, self.trajectory.exit_on)
        self.attempt(RecordExitResult(observed_on=observed_on, status=status), by)

    @rule(
        when=WHEN,
        milestone=mostly(st.sampled_from(FOLLOW_UP_MILESTONES), 3),
        status=st.sampled_from(ExitStatus),
        by=STAFF,
    )
    def record_follow_up(
        self, when: When, milestone: int, status: ExitStatus, by: str
    ) -> None:
        exit_on = self.trajectory.exit_on
        due = None if exit_on is None else add_months(exit_on, milestone)
        early = None if due is None else due - timedelta(days=FOLLOW_UP_WINDOW_DAYS)
        self.attempt(
            RecordFollowUp(
                milestone=milestone,
                observed_on=self.day(when, early, due),
                status=status,
            ),
            by,
        )

    @rule(when=WHEN, reason=REASONS, by=STAFF)
    def reopen(self, when: When, reason: str, by: str) -> None:
        on = self.day(when, self.trajectory.exit_on)
        self.attempt(Reopen(on=on, reason=reason), by)

    @rule(data=st.data(), when=WHEN, reason=REASONS, by=STAFF)
    def retract_entry(
        self, data: st.DataObject, when: When, reason: str, by: str
    ) -> None:
        version = data.draw(st.integers(0, self.trajectory.version + 1), "version")
        self.attempt(
            RetractEntry(on=self.day(when), version=version, reason=reason), by
        )

    # Invariants: the domain rules ----------------------------------------------------

    @invariant()
    def the_stage_agrees_with_its_dates(self) -> None:
        t = self.trajectory
        exited = t.stage in (Stage.COMPLETED, Stage.DROPPED_OUT)
        assert (t.stage is Stage.REFERRED) == (
            t.intake_on is None and t.declined_on is None
        )
        assert (t.stage is Stage.DECLINED) == (t.declined_on is not None)
        if t.stage is Stage.DECLINED:
            assert t.intake_on is None, "a declined referral never has an intake"
        assert (t.stage is Stage.SUSPENDED) == (t.suspended_on is not None)
        assert (t.exit_on is not None) == exited
        assert (t.destination is not None) == (t.stage is Stage.COMPLETED)
        assert (t.dropout_reason is not None) == (t.stage is Stage.DROPPED_OUT)
        if t.intake_on is not None:
            assert t.intake_on >= t.referred_on
        if t.suspended_on is not None:
            assert t.intake_on is not None and t.suspended_on >= t.intake_on
        if t.exit_on is not None:
            assert t.intake_on is not None and t.exit_on >= t.intake_on

    @invariant()
    def exit_results_and_follow_ups_come_after_the_exit(self) -> None:
        t = self.trajectory
        assert (t.exit_result is None) == (t.exit_result_on is None)
        if t.exit_result_on is not None:
            assert t.exit_on is not None
            last = t.exit_on + timedelta(days=EXIT_RESULT_WINDOW_DAYS)
            assert t.exit_on <= t.exit_result_on <= last
        if t.follow_ups:
            assert t.exit_on is not None
            assert set(t.follow_ups) <= {str(m) for m in FOLLOW_UP_MILESTONES}

    @invariant()
    def the_session_count_only_goes_down_by_retraction(self) -> None:
        held = self.trajectory.sessions_held
        if self.last_event != "EntryRetracted":
            assert held >= self.sessions_seen
        self.sessions_seen = held

    @invariant()
    def placements_barriers_and_rungs_stay_sound(self) -> None:
        t = self.trajectory
        for placement in t.current_placements:
            assert t.intake_on is not None and placement.started_on >= t.intake_on
        for placement in t.placements:
            if placement.ended_on is not None:
                assert placement.ended_on >= placement.started_on
        ids = [p.placement_id for p in t.placements]
        assert len(ids) == len(set(ids))
        assert len(t.open_barriers) == len(set(t.open_barriers))
        assert (t.rung_at_intake is None) == (t.intake_on is None)
        assert (t.latest_rung is None) == (t.intake_on is None)
        for rung in (t.rung_at_intake, t.latest_rung):
            assert rung is None or 1 <= rung <= 6

    @invariant()
    def events_that_need_an_intake_are_dated_on_or_after_it(self) -> None:
        t = self.trajectory
        for domain_event in counting_events(self.events):
            if name_of(domain_event) in NEEDS_INTAKE_DATED_AFTER_IT:
                day = business_day(domain_event)
                assert t.intake_on is not None and day is not None
                assert day >= t.intake_on, name_of(domain_event)

    @invariant()
    def the_journal_holds_exactly_the_events_that_count(self) -> None:
        t = self.trajectory
        journal = [entry["version"] for entry in t.journal]
        retracted = {int(v) for v in t.retracted}
        assert not set(journal) & retracted
        assert retracted == retracted_versions(self.events)
        assert journal == [e.originator_version for e in counting_events(self.events)]
        assert t.version == len(self.events)

    # Invariants: the state is its history ---------------------------------------------

    @invariant()
    def rebuilt_from_its_events_it_equals_the_live_one(self) -> None:
        if not self.is_new_to("rebuilt"):
            return
        assert rebuilt(self.events) == self.trajectory
        assert rebuilt(self.decoded_events) == self.trajectory
        snapshot = round_tripped(Trajectory.Snapshot.take(self.trajectory))
        assert snapshot.mutate(None) == self.trajectory

    @invariant()
    def retracted_events_are_as_if_they_never_happened(self) -> None:
        if not self.is_new_to("replayed"):
            return
        t = self.trajectory
        fresh = replayed_without_retracted(self.events)
        ignored = ("retracted", "_version", "_modified_on")
        assert without(vars(fresh), *ignored) == without(vars(t), *ignored)

        model = Model.of(t.referred_on, counting_events(self.events))
        assert t.stage is model.stage
        assert (t.intake_on, t.exit_on, t.coach, t.coach_id) == (
            model.intake_on,
            model.exit_on,
            model.coach,
            model.coach_id,
        )
        assert (t.sessions_held, t.session_minutes, t.last_contact_on) == (
            model.sessions_held,
            model.session_minutes,
            model.last_contact_on,
        )
        assert (t.exit_result, t.follow_ups) == (model.exit_result, model.follow_ups)
        assert t.open_barriers == model.open_barriers
        assert t.rung_at_intake == model.rung_at_intake
        assert t.latest_rung == model.latest_rung
        current = {p.placement_id for p in t.current_placements}
        assert current == model.current_placements
        assert t.last_on == model.last_on


TrajectoryMachine.TestCase.settings = settings(
    max_examples=200,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestTrajectoryMachine = TrajectoryMachine.TestCase
