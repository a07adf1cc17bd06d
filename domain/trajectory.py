"""The Trajectory aggregate: one participant's path through one programme.

Public methods are commands: they check the rules, then trigger one event. The private
``@event`` methods only assign state, because they run again on every replay.

A retracted event (``EntryRetracted``) stays in the history, but the state is computed
as if it had never happened: the aggregate keeps a journal of the events that count and
re-applies it without the retracted one. A retraction is refused when the history that
remains would break a rule.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from enum import Enum
from typing import TYPE_CHECKING
from typing import Any
from typing import ClassVar
from typing import TypeVar
from typing import assert_never
from uuid import UUID
from uuid import uuid4

from eventsourcing.domain import Aggregate
from eventsourcing.domain import event

from domain.calendar import today
from domain.coach import Coach
from domain.coach import CoachRef
from domain.commands import COMMAND_FOR_EVENT
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
from domain.commands import TrajectoryCommand
from domain.commands import values_of
from domain.errors import EXIT_RESULT_WINDOW_DAYS
from domain.errors import FOLLOW_UP_WINDOW_DAYS
from domain.errors import MAX_HOURS_PER_WEEK
from domain.errors import MAX_SESSION_MINUTES
from domain.errors import REOPEN_WINDOW_DAYS
from domain.errors import AlreadySuspended
from domain.errors import BarrierAlreadyOpen
from domain.errors import BarrierNotOpen
from domain.errors import CoachAlreadyAssigned
from domain.errors import CoachOfAnotherOrganisation
from domain.errors import CorrectionChangesNothing
from domain.errors import DateBeforeExit
from domain.errors import DateBeforeIntake
from domain.errors import DateBeforeLastEvent
from domain.errors import DateBeforeReferral
from domain.errors import DateInFuture
from domain.errors import DeclineAfterIntake
from domain.errors import DomainError
from domain.errors import DropoutReasonRequired
from domain.errors import EmployerRequired
from domain.errors import EntryAlreadyRetracted
from domain.errors import EntryNotRetractable
from domain.errors import ExitRequired
from domain.errors import ExitResultAlreadyRecorded
from domain.errors import FollowUpAlreadyRecorded
from domain.errors import HoursOutOfRange
from domain.errors import IntakeAlreadyCompleted
from domain.errors import IntakeRequired
from domain.errors import InvalidPostcode
from domain.errors import InvalidProfileValue
from domain.errors import InvalidValue
from domain.errors import NotSuspended
from domain.errors import ObservationOutsideWindow
from domain.errors import PlacementAlreadyEnded
from domain.errors import PlacementEndBeforeStart
from domain.errors import PlacementIdInUse
from domain.errors import PostcodeNotText
from domain.errors import ReasonRequired
from domain.errors import ReopenWindowPassed
from domain.errors import ResolutionBeforeIdentification
from domain.errors import ResumptionBeforeSuspension
from domain.errors import RetractionBreaksHistory
from domain.errors import RungOutOfRange
from domain.errors import SessionCapReached
from domain.errors import SessionMinutesOutOfRange
from domain.errors import TrajectoryNotOpen
from domain.errors import TrajectorySuspended
from domain.errors import UnknownMilestone
from domain.errors import UnknownPlacement
from domain.errors import UnknownVersion
from domain.topics import NamedTopics
from domain.vocabulary import COMPETITIVE_PLACEMENT_TYPES
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

BELGIAN_POSTCODE = re.compile(r"[1-9][0-9]{3}", re.ASCII)
E = TypeVar("E", bound=Enum)
OPEN_STAGES = frozenset({Stage.ACTIVE, Stage.SUSPENDED})
EXIT_STAGES = frozenset({Stage.COMPLETED, Stage.DROPPED_OUT})


# State -------------------------------------------------------------------------------


# What a copy of a trajectory may share with the original: values nothing changes in
# place. (An Enum member is one of these whatever its value.)
_UNCHANGEABLE = (str, int, float, type(None), date, UUID, Enum)


def _copied(value: Any, memo: dict[int, Any]) -> Any:
    """``value`` for a copy of a trajectory: itself if it cannot change, a new list
    or dict if it holds only such values, else a deep copy."""
    if isinstance(value, _UNCHANGEABLE):
        return value
    if type(value) is list and all(isinstance(v, _UNCHANGEABLE) for v in value):
        return list(value)
    if type(value) is dict and all(
        isinstance(v, _UNCHANGEABLE) for v in value.values()
    ):
        return dict(value)
    return copy.deepcopy(value, memo)


@dataclass
class Placement:
    """A work or learning post the participant holds, or held (``ended_on``)."""

    placement_id: UUID
    placement_type: PlacementType
    employer: str
    paid: bool
    hours_per_week: float
    started_on: date
    ended_on: date | None = None
    end_reason: PlacementEndReason | None = None

    @property
    def competitive(self) -> bool:
        return self.paid and self.placement_type in COMPETITIVE_PLACEMENT_TYPES


def check_rung(rung: int) -> None:
    if isinstance(rung, bool) or not isinstance(rung, int) or not 1 <= rung <= 6:
        raise RungOutOfRange(rung)


def check_recorder(recorded_by: str) -> None:
    if not recorded_by.strip():
        raise InvalidValue("recorded_by must name the staff member who records it")


def check_postcode(postcode: str) -> None:
    if not (isinstance(postcode, str) and BELGIAN_POSTCODE.fullmatch(postcode)):
        raise InvalidPostcode(postcode)


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last_day in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last_day))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


# The aggregate -----------------------------------------------------------------------


class Trajectory(NamedTopics, Aggregate):
    class Event(Aggregate.Event):
        if TYPE_CHECKING:  # set by NamedTopics; not a field of the events
            TOPIC: ClassVar[str]

        def apply(self, aggregate: Any) -> None:
            """Runs after each ``@event`` body: remembers the events that count."""
            aggregate._remember(self)

    # Version 2 of the state keeps the coach's id, and its journal holds version 2 of
    # IntakeCompleted, CoachAssigned and SessionHeld.
    class_version = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        coach = state.get("coach")
        organisation = state["organisation"]
        state["coach_id"] = Coach.id_for(organisation, coach) if coach else None
        added = {
            "IntakeCompleted": {"coach_id": None},
            "CoachAssigned": {"coach_id": None},
            "SessionHeld": {"group_session_id": None},
        }
        for entry in state["journal"]:
            entry["data"] = {**added.get(entry["type"], {}), **entry["data"]}

    # False on the scratch copy that re-checks a stored history: see _value_rules.
    _judges_values = True

    # Free text, which may tell about the person, kept out of the journal (and so out
    # of snapshots), with the placeholder a replay of the journal uses instead.
    JOURNAL_PLACEHOLDERS: ClassVar[dict[str, dict[str, Any]]] = {
        "SessionHeld": {"note": ""},
        "EntryProfileCorrected": {"reason": "(in the event)"},
        "TrajectoryReopened": {"reason": "(in the event)"},
    }

    # Event types no command records any more (retired, or split into others). Their
    # class stays, so stored ones read and apply as before; they stay in the journal,
    # and a retraction's re-check re-applies them as they were stored.
    RETIRED_EVENTS: ClassVar[frozenset[str]] = frozenset()

    # Referral --------------------------------------------------------------------

    @classmethod
    def refer(
        cls, referral: Refer, *, age_band: AgeBand, gender: Gender, recorded_by: str
    ) -> Trajectory:
        """Receives a referral. Programme and eligibility are checked by the caller,
        which holds the Programme and Participant (see ``Programme.check_referral``);
        ``age_band`` and ``gender`` are the participant's on the referral date."""
        check_recorder(recorded_by)
        if referral.on > today():
            raise DateInFuture("referral", referral.on, today())
        return cls(
            **values_of(
                referral, age_band=age_band, gender=gender, recorded_by=recorded_by
            )
        )

    @event("ReferralReceived", topic="trajectory:ReferralReceived")
    def __init__(
        self,
        participant_id: UUID,
        programme: str,
        organisation: str,
        referral_source: ReferralSource,
        on: date,
        age_band: AgeBand,
        gender: Gender,
        recorded_by: str,
    ) -> None:
        self.participant_id = participant_id
        self.programme = programme
        self.organisation = organisation
        self.referral_source = referral_source
        self.referred_on = on
        self.age_band = age_band
        self.gender = gender
        self.referred_by = recorded_by
        self.retracted: dict[str, int] = {}
        self._start_fresh()

    def __deepcopy__(self, memo: dict[int, Any]) -> Trajectory:
        """A copy to change (the one a command gets from the cache, a retraction's
        scratch copy): everything copied, but the journal's entries are shared. An
        entry is never changed once written, only added to the journal, so the copy
        has a journal of its own holding the same entries. Copying each entry made
        a command's cost grow with the length of its trajectory. Values that cannot
        change (dates, codes, numbers) are shared too, and a list or dict of only
        such values is copied one level deep (``_copied``)."""
        copied = object.__new__(type(self))
        memo[id(self)] = copied
        for name, value in vars(self).items():
            shared = list(value) if name == "journal" else _copied(value, memo)
            object.__setattr__(copied, name, shared)
        return copied

    def _start_fresh(self) -> None:
        """The state right after the referral, before anything else counted."""
        self.stage = Stage.REFERRED
        self.last_on = self.referred_on
        self.declined_on: date | None = None
        self.decline_reason: DeclineReason | None = None
        self.intake_on: date | None = None
        self.coach: str | None = None
        self.coach_id: UUID | None = None
        self.rung_at_intake: int | None = None
        self.assessed_rung: int | None = None
        self.labour_status: LabourStatus | None = None
        self.education_level: EducationLevel | None = None
        self.entry_barriers: list[Barrier] = []
        self.disability: bool | None = None
        self.postcode: str | None = None
        self.open_barriers: list[Barrier] = []
        self.barriers_open_since: dict[str, date] = {}
        self.barriers_with_events: list[str] = []
        self.sessions_per_year: dict[str, int] = {}
        self.session_minutes = 0
        self.last_contact_on: date | None = None
        self.placements: list[Placement] = []
        self.suspended_on: date | None = None
        self.suspension_reason: SuspensionReason | None = None
        self.suspensions: list[list[date | None]] = []
        self.exit_on: date | None = None
        self.destination: Destination | None = None
        self.dropout_reason: DropoutReason | None = None
        self.exit_result: ExitStatus | None = None
        self.exit_result_on: date | None = None
        self.follow_ups: dict[str, ExitStatus] = {}
        self.reopenings = 0
        self.journal: list[dict[str, Any]] = []

    # Commands ----------------------------------------------------------------------

    def record(
        self,
        command: TrajectoryCommand,
        recorded_by: str,
        *,
        session_cap: int | None = None,
        coach: CoachRef | None = None,
        group_session_id: UUID | None = None,
    ) -> None:
        """Records the event ``command`` asks for, if the rules allow it. What the
        rules need from other aggregates comes with it: ``session_cap``, the
        programme's yearly cap on sessions, if any; ``coach``, the coach a command
        names by id; ``group_session_id``, the group session a session belongs to."""
        match command:
            case DeclineReferral():
                self.decline_referral(command, recorded_by)
            case CompleteIntake():
                self.complete_intake(command, recorded_by, coach=coach)
            case CorrectEntryProfile():
                self.correct_entry_profile(command, recorded_by)
            case AssignCoach():
                self.assign_coach(command, recorded_by, coach=coach)
            case AssessLadder():
                self.assess_ladder(command, recorded_by)
            case IdentifyBarrier():
                self.identify_barrier(command, recorded_by)
            case ResolveBarrier():
                self.resolve_barrier(command, recorded_by)
            case HoldSession():
                self.hold_session(
                    command,
                    recorded_by,
                    session_cap=session_cap,
                    group_session_id=group_session_id,
                )
            case StartPlacement():
                self.start_placement(command, recorded_by)
            case EndPlacement():
                self.end_placement(command, recorded_by)
            case Suspend():
                self.suspend(command, recorded_by)
            case Resume():
                self.resume(command, recorded_by)
            case Complete():
                self.complete(command, recorded_by)
            case DropOut():
                self.drop_out(command, recorded_by)
            case RecordExitResult():
                self.record_exit_result(command, recorded_by)
            case RecordFollowUp():
                self.record_follow_up(command, recorded_by)
            case Reopen():
                self.reopen(command, recorded_by)
            case RetractEntry():
                self.retract_entry(command, recorded_by)
            case _:
                assert_never(command)

    # Derived state -----------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    @property
    def has_ended(self) -> bool:
        """Exited or declined: a new referral to the same programme is possible."""
        return self.stage in EXIT_STAGES or self.stage is Stage.DECLINED

    @property
    def latest_rung(self) -> int | None:
        """The last ladder assessment, or the intake rung when there is none."""
        return (
            self.assessed_rung
            if self.assessed_rung is not None
            else self.rung_at_intake
        )

    @property
    def sessions_held(self) -> int:
        return sum(self.sessions_per_year.values())

    @property
    def current_placements(self) -> list[Placement]:
        return [p for p in self.placements if p.ended_on is None]

    def may_record(self, event_type: str) -> bool:
        """Whether the trajectory as it stands leaves room for an event of this type
        at all: its stage, and what there is to act on (an open barrier to resolve,
        a running placement to end, a follow-up still to record). A command it
        admits may still be refused for its values (a date, a window); one it does
        not admit is always refused. For the pages, to offer what can come next."""
        declined = self.stage is Stage.DECLINED
        taken_in = not declined and self.intake_on is not None
        is_open = taken_in and self.is_open
        exited = self.exit_on is not None
        match event_type:
            case "ReferralDeclined" | "IntakeCompleted":
                return not declined and self.intake_on is None
            case "EntryProfileCorrected" | "LadderAssessed":
                return taken_in
            case "CoachAssigned" | "BarrierIdentified" | "SessionHeld":
                return is_open
            case "PlacementStarted" | "TrajectoryCompleted" | "DroppedOut":
                return is_open
            case "BarrierResolved":
                return is_open and bool(self.open_barriers)
            case "PlacementEnded":
                return bool(self.current_placements)
            case "TrajectorySuspended":
                return is_open and self.suspended_on is None
            case "TrajectoryResumed":
                return is_open and self.suspended_on is not None
            case "ExitResultRecorded":
                return exited and self.exit_result_on is None
            case "FollowUpRecorded":
                return exited and any(
                    str(m) not in self.follow_ups for m in FOLLOW_UP_MILESTONES
                )
            case "TrajectoryReopened":
                return exited
            case "EntryRetracted":
                return any(
                    entry["version"] > 1 and str(entry["version"]) not in self.retracted
                    for entry in self.journal
                )
        return False

    def placement(self, placement_id: UUID) -> Placement:
        for placement in self.placements:
            if placement.placement_id == placement_id:
                return placement
        raise UnknownPlacement(placement_id)

    # Shared checks -----------------------------------------------------------------

    @contextmanager
    def _value_rules(self) -> Iterator[None]:
        """Rules on a command's own values: ranges, formats, the clock, the windows
        a date must fall in, a programme's cap. Such rules may be tightened; a
        history stored under older ones is never re-judged by them, so the
        re-check of a stored history (``_check_history_without``) lets them pass
        and judges the history's structure only."""
        try:
            yield
        except DomainError:
            if self._judges_values:
                raise

    def _check_date(self, what: str, on: date) -> None:
        with self._value_rules():
            if on > today():
                raise DateInFuture(what, on, today())
        if on < self.referred_on:
            raise DateBeforeReferral(what, on, self.referred_on)

    def _check_taken_in(self, what: str, on: date | None = None) -> date:
        if self.stage is Stage.DECLINED:
            raise TrajectoryNotOpen(what, self.stage)
        if self.intake_on is None:
            raise IntakeRequired(what)
        if on is not None and on < self.intake_on:
            raise DateBeforeIntake(what, on, self.intake_on)
        return self.intake_on

    def _check_open(self, what: str, on: date | None = None) -> None:
        self._check_taken_in(what, on)
        if not self.is_open:
            raise TrajectoryNotOpen(what, self.stage)

    def _check_active(self, what: str, on: date) -> None:
        """Open, and not suspended on the date, also for an event entered late."""
        self._check_open(what, on)
        for start, end in self.suspensions:
            assert start is not None
            if start <= on and (end is None or on < end):
                raise TrajectorySuspended(what, start)

    def _check_exited(self, what: str) -> date:
        if self.exit_on is None:
            raise ExitRequired(what, self.stage)
        return self.exit_on

    def _check_recorder(self, recorded_by: str) -> None:
        with self._value_rules():
            check_recorder(recorded_by)

    def _check_observed(
        self, what: str, exit_on: date, outside: ObservationOutsideWindow
    ) -> None:
        """An observation of what the participant does after the exit: never before
        the exit; and, as rules on its value, not in the future nor outside its
        window (``outside`` is the refusal that names the window)."""
        on = outside.observed_on
        if on < exit_on:
            raise outside
        with self._value_rules():
            if on > today():
                raise DateInFuture(what, on, today())
            if not outside.first <= on <= outside.last:
                raise outside

    # Declined referral ---------------------------------------------------------------

    def decline_referral(self, decline: DeclineReferral, recorded_by: str) -> None:
        self._check_recorder(recorded_by)
        if self.stage is Stage.DECLINED:
            raise TrajectoryNotOpen("a declined referral", self.stage)
        if self.intake_on is not None:
            raise DeclineAfterIntake(self.intake_on)
        self._check_date("the decline", decline.on)
        self._referral_declined(**values_of(decline, recorded_by=recorded_by))

    @event("ReferralDeclined", topic="trajectory:ReferralDeclined")
    def _referral_declined(
        self, on: date, reason: DeclineReason, recorded_by: str
    ) -> None:
        self.stage = Stage.DECLINED
        self.declined_on, self.decline_reason = on, reason
        self.last_on = max(self.last_on, on)

    # Intake ----------------------------------------------------------------------

    def complete_intake(
        self, intake: CompleteIntake, recorded_by: str, *, coach: CoachRef | None
    ) -> None:
        """Completes the intake with ``coach``, the coach ``intake.coach_id`` names."""
        self._check_recorder(recorded_by)
        if self.stage is Stage.DECLINED:
            raise TrajectoryNotOpen("an intake", self.stage)
        if self.intake_on is not None:
            raise IntakeAlreadyCompleted(self.intake_on)
        self._check_date("intake", intake.on)
        coach = self._check_coach(intake.coach_id, coach)
        with self._value_rules():
            check_rung(intake.rung)
            check_postcode(intake.postcode)
        self._intake_completed(
            on=intake.on,
            coach=coach.name,
            coach_id=coach.id,
            rung=intake.rung,
            labour_status=intake.labour_status,
            education_level=intake.education_level,
            barriers=list(dict.fromkeys(intake.barriers)),
            disability=intake.disability,
            postcode=intake.postcode,
            recorded_by=recorded_by,
        )

    def _check_coach(self, coach_id: UUID | None, coach: CoachRef | None) -> CoachRef:
        """The coach a command names: given by the caller, who looked them up, and of
        the trajectory's organisation. A re-check of a stored history takes the
        coach the event named, whatever became of them since."""
        if coach is None or coach.id != coach_id:
            raise InvalidValue("the coach the command names must come with it")
        with self._value_rules():
            if coach.organisation != self.organisation:
                raise CoachOfAnotherOrganisation(
                    coach.name, coach.organisation, self.organisation
                )
        return coach

    class IntakeCompleted(Event):
        """Version 2 names the coach by id too (``coach_id``); version 1 named them
        only (``coach``), and reads with ``coach_id`` None: the coach is then the
        one registered under that name in the trajectory's organisation."""

        TOPIC = "trajectory:IntakeCompleted"
        class_version = 2

        on: date
        coach: str
        coach_id: UUID | None
        rung: int
        labour_status: LabourStatus
        education_level: EducationLevel
        barriers: list[Barrier]
        disability: bool
        postcode: str
        recorded_by: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["coach_id"] = None

    @event(IntakeCompleted)
    def _intake_completed(
        self,
        on: date,
        coach: str,
        coach_id: UUID | None,
        rung: int,
        labour_status: LabourStatus,
        education_level: EducationLevel,
        barriers: list[Barrier],
        disability: bool,
        postcode: str,
        recorded_by: str,
    ) -> None:
        self.stage = Stage.ACTIVE
        self.intake_on = on
        self._coached_by(coach, coach_id)
        self.rung_at_intake = rung
        self.labour_status, self.education_level = labour_status, education_level
        self.entry_barriers = list(barriers)
        self.open_barriers = list(barriers)
        self.barriers_open_since = {b.value: on for b in barriers}
        self.disability, self.postcode = disability, postcode
        self.last_contact_on = on
        self.last_on = max(self.last_on, on)

    def _coached_by(self, coach: str, coach_id: UUID | None) -> None:
        self.coach = coach
        self.coach_id = coach_id or Coach.id_for(self.organisation, coach)

    def correct_entry_profile(
        self, correction: CorrectEntryProfile, recorded_by: str
    ) -> None:
        self._check_recorder(recorded_by)
        on, field = correction.on, correction.field
        self._check_taken_in("an entry-profile correction", on)
        self._check_date("the correction", on)
        value = correction.value  # as stored, in a re-check of the history
        with self._value_rules():
            if not correction.reason.strip():
                raise ReasonRequired("an entry-profile correction")
            value = parse_profile_value(field, correction.value)
            current = self._profile_value(field)
            if value == current or (
                field is ProfileField.BARRIERS and set(value) == set(current)
            ):
                raise CorrectionChangesNothing(field)
        self._entry_profile_corrected(
            on=on,
            field=field,
            value=value,
            reason=correction.reason,
            recorded_by=recorded_by,
        )

    def _profile_value(self, field: ProfileField) -> Any:
        return {
            ProfileField.RUNG: self.rung_at_intake,
            ProfileField.LABOUR_STATUS: self.labour_status,
            ProfileField.EDUCATION_LEVEL: self.education_level,
            ProfileField.BARRIERS: self.entry_barriers,
            ProfileField.DISABILITY: self.disability,
            ProfileField.POSTCODE: self.postcode,
        }[field]

    @event("EntryProfileCorrected", topic="trajectory:EntryProfileCorrected")
    def _entry_profile_corrected(
        self, on: date, field: ProfileField, value: Any, reason: str, recorded_by: str
    ) -> None:
        if field is ProfileField.RUNG:
            self.rung_at_intake = value
        elif field is ProfileField.LABOUR_STATUS:
            self.labour_status = value
        elif field is ProfileField.EDUCATION_LEVEL:
            self.education_level = value
        elif field is ProfileField.BARRIERS:
            # Only barriers known from the entry profile alone follow the correction:
            # one with its own identification or resolution keeps what that said.
            own = self.barriers_with_events
            dropped = [
                b for b in self.entry_barriers if b not in value and b.value not in own
            ]
            added = [
                b for b in value if b not in self.entry_barriers and b.value not in own
            ]
            self.open_barriers = [b for b in self.open_barriers if b not in dropped]
            self.open_barriers += [b for b in added if b not in self.open_barriers]
            for barrier in dropped:
                self.barriers_open_since.pop(barrier.value, None)
            for barrier in added:
                self.barriers_open_since.setdefault(barrier.value, on)
            self.entry_barriers = list(value)
        elif field is ProfileField.DISABILITY:
            self.disability = value
        else:
            self.postcode = value
        self.last_on = max(self.last_on, on)

    # Coach, ladder, barriers ---------------------------------------------------------

    def assign_coach(
        self, assignment: AssignCoach, recorded_by: str, *, coach: CoachRef | None
    ) -> None:
        self._check_recorder(recorded_by)
        on = assignment.on
        self._check_open("a coach assignment", on)
        self._check_date("the coach assignment", on)
        coach = self._check_coach(assignment.coach_id, coach)
        with self._value_rules():
            if coach.id == self.coach_id:
                raise CoachAlreadyAssigned(coach.name)
        self._coach_assigned(
            on=on, coach=coach.name, coach_id=coach.id, recorded_by=recorded_by
        )

    class CoachAssigned(Event):
        """Version 2 names the coach by id too, as ``IntakeCompleted`` does."""

        TOPIC = "trajectory:CoachAssigned"
        class_version = 2

        on: date
        coach: str
        coach_id: UUID | None
        recorded_by: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["coach_id"] = None

    @event(CoachAssigned)
    def _coach_assigned(
        self, on: date, coach: str, coach_id: UUID | None, recorded_by: str
    ) -> None:
        self._coached_by(coach, coach_id)
        self.last_on = max(self.last_on, on)

    def assess_ladder(self, assessment: AssessLadder, recorded_by: str) -> None:
        self._check_recorder(recorded_by)
        self._check_taken_in("a ladder assessment", assessment.on)
        self._check_date("the ladder assessment", assessment.on)
        with self._value_rules():
            check_rung(assessment.rung)
        self._ladder_assessed(**values_of(assessment, recorded_by=recorded_by))

    @event("LadderAssessed", topic="trajectory:LadderAssessed")
    def _ladder_assessed(self, on: date, rung: int, recorded_by: str) -> None:
        self.assessed_rung = rung
        self.last_on = max(self.last_on, on)

    def identify_barrier(self, found: IdentifyBarrier, recorded_by: str) -> None:
        self._check_recorder(recorded_by)
        on, barrier = found.on, found.barrier
        self._check_open("a barrier", on)
        self._check_date("the barrier", on)
        if barrier in self.open_barriers:
            raise BarrierAlreadyOpen(barrier)
        self._barrier_identified(**values_of(found, recorded_by=recorded_by))

    @event("BarrierIdentified", topic="trajectory:BarrierIdentified")
    def _barrier_identified(self, on: date, barrier: Barrier, recorded_by: str) -> None:
        self.open_barriers.append(barrier)
        self.barriers_open_since[barrier.value] = on
        self._note_barrier_event(barrier)
        self.last_on = max(self.last_on, on)

    def resolve_barrier(self, resolved: ResolveBarrier, recorded_by: str) -> None:
        self._check_recorder(recorded_by)
        on, barrier = resolved.on, resolved.barrier
        self._check_open("a resolved barrier", on)
        self._check_date("the resolution", on)
        if barrier not in self.open_barriers:
            raise BarrierNotOpen(barrier)
        since = self.barriers_open_since[barrier.value]
        if on < since:
            raise ResolutionBeforeIdentification(barrier, on, since)
        self._barrier_resolved(**values_of(resolved, recorded_by=recorded_by))

    @event("BarrierResolved", topic="trajectory:BarrierResolved")
    def _barrier_resolved(self, on: date, barrier: Barrier, recorded_by: str) -> None:
        if barrier in self.open_barriers:  # a replay as of a date may lack it
            self.open_barriers.remove(barrier)
        self.barriers_open_since.pop(barrier.value, None)
        self._note_barrier_event(barrier)
        self.last_on = max(self.last_on, on)

    def _note_barrier_event(self, barrier: Barrier) -> None:
        if barrier.value not in self.barriers_with_events:
            self.barriers_with_events.append(barrier.value)

    # Sessions ----------------------------------------------------------------------

    def hold_session(
        self,
        session: HoldSession,
        recorded_by: str,
        *,
        session_cap: int | None = None,
        group_session_id: UUID | None = None,
    ) -> None:
        """Records a session; ``session_cap`` is the programme's yearly cap, if any;
        ``group_session_id`` names the group session it was part of, if any."""
        self._check_recorder(recorded_by)
        on, minutes = session.on, session.minutes
        self._check_active("a session", on)
        self._check_date("the session", on)
        with self._value_rules():
            if not 1 <= minutes <= MAX_SESSION_MINUTES:
                raise SessionMinutesOutOfRange(minutes)
            if session_cap is not None:
                if self.sessions_per_year.get(str(on.year), 0) >= session_cap:
                    raise SessionCapReached(on.year, session_cap)
        self._session_held(
            **values_of(
                session, group_session_id=group_session_id, recorded_by=recorded_by
            )
        )

    class SessionHeld(Event):
        """Version 2 may belong to a group session (``group_session_id``: the same
        for every participant's session of one job workshop or dialogue table);
        version 1 sessions were each on their own."""

        TOPIC = "trajectory:SessionHeld"
        class_version = 2

        on: date
        minutes: int
        mode: SessionMode
        setting: SessionSetting
        note: str
        group_session_id: UUID | None
        recorded_by: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["group_session_id"] = None

    @event(SessionHeld)
    def _session_held(
        self,
        on: date,
        minutes: int,
        mode: SessionMode,
        setting: SessionSetting,
        note: str,
        group_session_id: UUID | None,
        recorded_by: str,
    ) -> None:
        year = str(on.year)
        self.sessions_per_year[year] = self.sessions_per_year.get(year, 0) + 1
        self.session_minutes += minutes
        if self.last_contact_on is None or on > self.last_contact_on:
            self.last_contact_on = on
        self.last_on = max(self.last_on, on)

    # Placements --------------------------------------------------------------------

    def start_placement(self, start: StartPlacement, recorded_by: str) -> None:
        """Starts a placement, with the id the command gives or a new one."""
        self._check_recorder(recorded_by)
        on, hours = start.on, start.hours_per_week
        self._check_active("a placement", on)
        self._check_date("the placement start", on)
        placement_id = start.placement_id or uuid4()
        if any(p.placement_id == placement_id for p in self.placements):
            raise PlacementIdInUse(placement_id)
        with self._value_rules():
            if not start.employer.strip():
                raise EmployerRequired()
            if not 0 < hours <= MAX_HOURS_PER_WEEK:
                raise HoursOutOfRange(hours)
        self._placement_started(
            **values_of(
                start,
                placement_id=placement_id,
                hours_per_week=float(hours),
                recorded_by=recorded_by,
            )
        )

    @event("PlacementStarted", topic="trajectory:PlacementStarted")
    def _placement_started(
        self,
        placement_id: UUID,
        on: date,
        placement_type: PlacementType,
        employer: str,
        paid: bool,
        hours_per_week: float,
        recorded_by: str,
    ) -> None:
        self.placements.append(
            Placement(
                placement_id=placement_id,
                placement_type=placement_type,
                employer=employer,
                paid=paid,
                hours_per_week=hours_per_week,
                started_on=on,
            )
        )
        self.last_on = max(self.last_on, on)

    def end_placement(self, end: EndPlacement, recorded_by: str) -> None:
        self._check_recorder(recorded_by)
        placement = self.placement(end.placement_id)
        if placement.ended_on is not None:
            raise PlacementAlreadyEnded(end.placement_id, placement.ended_on)
        self._check_date("the placement end", end.on)
        if end.on < placement.started_on:
            raise PlacementEndBeforeStart(end.on, placement.started_on)
        self._placement_ended(**values_of(end, recorded_by=recorded_by))

    @event("PlacementEnded", topic="trajectory:PlacementEnded")
    def _placement_ended(
        self,
        placement_id: UUID,
        on: date,
        reason: PlacementEndReason,
        recorded_by: str,
    ) -> None:
        placement = self.placement(placement_id)
        placement.ended_on, placement.end_reason = on, reason
        self.last_on = max(self.last_on, on)

    # Suspension --------------------------------------------------------------------

    def suspend(self, suspension: Suspend, recorded_by: str) -> None:
        self._check_recorder(recorded_by)
        on = suspension.on
        self._check_open("a suspension", on)
        if self.suspended_on is not None:
            raise AlreadySuspended(self.suspended_on)
        self._check_date("the suspension", on)
        if on < self.last_on:
            raise DateBeforeLastEvent("the suspension", on, self.last_on)
        self._suspended(**values_of(suspension, recorded_by=recorded_by))

    @event("TrajectorySuspended", topic="trajectory:TrajectorySuspended")
    def _suspended(self, on: date, reason: SuspensionReason, recorded_by: str) -> None:
        self.stage = Stage.SUSPENDED
        self.suspended_on, self.suspension_reason = on, reason
        self.suspensions.append([on, None])
        self.last_on = max(self.last_on, on)

    def resume(self, resumption: Resume, recorded_by: str) -> None:
        self._check_recorder(recorded_by)
        on = resumption.on
        self._check_open("a resumption")
        if self.suspended_on is None:
            raise NotSuspended()
        self._check_date("the resumption", on)
        if on < self.suspended_on:
            raise ResumptionBeforeSuspension(on, self.suspended_on)
        self._resumed(**values_of(resumption, recorded_by=recorded_by))

    @event("TrajectoryResumed", topic="trajectory:TrajectoryResumed")
    def _resumed(self, on: date, reason: SuspensionReason, recorded_by: str) -> None:
        self.stage = Stage.ACTIVE
        self._end_suspension(on)
        self.last_on = max(self.last_on, on)

    def _end_suspension(self, on: date) -> None:
        if self.suspensions and self.suspensions[-1][1] is None:
            self.suspensions[-1][1] = on
        self.suspended_on = self.suspension_reason = None

    # Exits -------------------------------------------------------------------------

    def _check_exit(self, what: str, on: date) -> None:
        self._check_open(what, on)
        self._check_date(what, on)
        if on < self.last_on:
            raise DateBeforeLastEvent(what, on, self.last_on)

    def complete(self, completion: Complete, recorded_by: str) -> None:
        self._check_recorder(recorded_by)
        self._check_exit("completion", completion.on)
        self._completed(**values_of(completion, recorded_by=recorded_by))

    @event("TrajectoryCompleted", topic="trajectory:TrajectoryCompleted")
    def _completed(self, on: date, destination: Destination, recorded_by: str) -> None:
        self.stage = Stage.COMPLETED
        self.exit_on, self.destination = on, destination
        self._end_suspension(on)
        self.last_on = max(self.last_on, on)

    def drop_out(self, dropout: DropOut, recorded_by: str) -> None:
        self._check_recorder(recorded_by)
        # Typed as required; still checked for callers that are not type-checked.
        reason: DropoutReason | None = dropout.reason
        with self._value_rules():
            if reason is None:
                raise DropoutReasonRequired()
        self._check_exit("dropout", dropout.on)
        self._dropped_out(**values_of(dropout, recorded_by=recorded_by))

    @event("DroppedOut", topic="trajectory:DroppedOut")
    def _dropped_out(self, on: date, reason: DropoutReason, recorded_by: str) -> None:
        self.stage = Stage.DROPPED_OUT
        self.exit_on, self.dropout_reason = on, reason
        self._end_suspension(on)
        self.last_on = max(self.last_on, on)

    def record_exit_result(self, result: RecordExitResult, recorded_by: str) -> None:
        self._check_recorder(recorded_by)
        observed_on = result.observed_on
        exit_on = self._check_exited("an exit result")
        if self.exit_result_on is not None:
            raise ExitResultAlreadyRecorded(self.exit_result_on)
        last = exit_on + timedelta(days=EXIT_RESULT_WINDOW_DAYS)
        outside = ObservationOutsideWindow(
            "the exit result", observed_on, exit_on, last
        )
        self._check_observed("the exit result", exit_on, outside)
        self._exit_result_recorded(**values_of(result, recorded_by=recorded_by))

    @event("ExitResultRecorded", topic="trajectory:ExitResultRecorded")
    def _exit_result_recorded(
        self, observed_on: date, status: ExitStatus, recorded_by: str
    ) -> None:
        self.exit_result, self.exit_result_on = status, observed_on
        self.last_on = max(self.last_on, observed_on)

    def record_follow_up(self, follow_up: RecordFollowUp, recorded_by: str) -> None:
        self._check_recorder(recorded_by)
        milestone, observed_on = follow_up.milestone, follow_up.observed_on
        with self._value_rules():
            if milestone not in FOLLOW_UP_MILESTONES:
                raise UnknownMilestone(milestone)
        exit_on = self._check_exited(f"a {milestone}-month follow-up")
        if str(milestone) in self.follow_ups:
            raise FollowUpAlreadyRecorded(milestone)
        due = add_months(exit_on, milestone)
        first = due - timedelta(days=FOLLOW_UP_WINDOW_DAYS)
        last = due + timedelta(days=FOLLOW_UP_WINDOW_DAYS)
        outside = ObservationOutsideWindow(
            f"the {milestone}-month follow-up", observed_on, first, last
        )
        self._check_observed("the follow-up", exit_on, outside)
        self._follow_up_recorded(**values_of(follow_up, recorded_by=recorded_by))

    @event("FollowUpRecorded", topic="trajectory:FollowUpRecorded")
    def _follow_up_recorded(
        self, milestone: int, observed_on: date, status: ExitStatus, recorded_by: str
    ) -> None:
        self.follow_ups[str(milestone)] = status
        self.last_on = max(self.last_on, observed_on)

    def reopen(self, reopening: Reopen, recorded_by: str) -> None:
        """Reopens after an exit; the caller checks no newer trajectory exists."""
        self._check_recorder(recorded_by)
        on, reason = reopening.on, reopening.reason
        exit_on = self._check_exited("reopening")
        with self._value_rules():
            if not reason.strip():
                raise ReasonRequired("reopening")
        self._check_date("reopening", on)
        if on < exit_on:
            raise DateBeforeExit("reopening", on, exit_on)
        with self._value_rules():
            if on > exit_on + timedelta(days=REOPEN_WINDOW_DAYS):
                raise ReopenWindowPassed(on, exit_on)
        if on < self.last_on:
            raise DateBeforeLastEvent("reopening", on, self.last_on)
        self._reopened(**values_of(reopening, recorded_by=recorded_by))

    @event("TrajectoryReopened", topic="trajectory:TrajectoryReopened")
    def _reopened(self, on: date, reason: str, recorded_by: str) -> None:
        self.stage = Stage.ACTIVE
        self.exit_on = self.destination = self.dropout_reason = None
        self.exit_result = self.exit_result_on = None
        self.follow_ups = {}
        self.reopenings += 1
        self.last_on = max(self.last_on, on)

    # Retraction --------------------------------------------------------------------

    def retract_entry(self, retraction: RetractEntry, recorded_by: str) -> None:
        self._check_recorder(recorded_by)
        on, version, reason = retraction.on, retraction.version, retraction.reason
        self._check_date("the retraction", on)
        if not reason.strip():
            raise ReasonRequired("a retraction")
        if not 1 <= version <= self.version:
            raise UnknownVersion(version, self.version)
        if version == 1:
            raise EntryNotRetractable(
                version, "it is the referral; decline it as a duplicate instead"
            )
        if str(version) in self.retracted:
            by = self.retracted[str(version)]
            raise EntryAlreadyRetracted(version, by)
        if not any(entry["version"] == version for entry in self.journal):
            raise EntryNotRetractable(version, "it is itself a retraction")
        self._check_history_without(version)
        self._entry_retracted(**values_of(retraction, recorded_by=recorded_by))

    def _check_history_without(self, version: int) -> None:
        """Re-records every remaining event on a scratch copy, so the history as it
        would be without ``version`` must still make sense: a placement's end with
        its start, sessions after an intake, an exit result after an exit. Rules on
        the events' own values (``_value_rules``) are not judged again: what was
        valid when it was recorded stays valid."""
        scratch = copy.deepcopy(self)
        scratch._start_fresh()
        scratch._judges_values = False
        for entry in self.journal:
            if entry["version"] == version:
                continue
            if entry["type"] in self.RETIRED_EVENTS:
                scratch._reapply(entry)
                continue
            data = self._journalled_data(entry)
            recorded_by = data.pop("recorded_by")
            command = command_of(entry["type"], data)
            coach = None
            if isinstance(command, CompleteIntake | AssignCoach):
                # The coach the event named, as it stood: the id it recorded, or
                # (version 1) the one its name gives in the organisation.
                name = data["coach"]
                coach_id = data["coach_id"] or Coach.id_for(self.organisation, name)
                coach = CoachRef(coach_id, name, self.organisation)
                command = dataclasses.replace(command, coach_id=coach_id)
            try:
                scratch.record(
                    command,
                    recorded_by,
                    coach=coach,
                    group_session_id=data.get("group_session_id"),
                )
            except DomainError as broken:
                raise RetractionBreaksHistory(
                    version, entry["version"], broken
                ) from None

    @event("EntryRetracted", topic="trajectory:EntryRetracted")
    def _entry_retracted(
        self, on: date, version: int, reason: str, recorded_by: str
    ) -> None:
        self.retracted[str(version)] = self.version + 1
        self._replay_journal(lambda entry: entry["version"] != version)

    def _replay_journal(self, keep: Any) -> None:
        journal = self.journal
        self._start_fresh()
        for entry in journal:
            if keep(entry):
                self._reapply(entry)
        self.last_on = max(self.last_on, self.referred_on)

    def _reapply(self, entry: dict[str, Any]) -> None:
        event_class = getattr(type(self), entry["type"])
        event_class(
            originator_id=self.id,
            originator_version=entry["version"],
            timestamp=self.modified_on,
            **self._journalled_data(entry),
        ).apply(self)

    def _journalled_data(self, entry: dict[str, Any]) -> dict[str, Any]:
        return {**self.JOURNAL_PLACEHOLDERS.get(entry["type"], {}), **entry["data"]}

    def _remember(self, domain_event: Aggregate.Event) -> None:
        name = type(domain_event).__name__
        if (
            name in COMMAND_FOR_EVENT and name != RetractEntry.event_type
        ) or name in self.RETIRED_EVENTS:
            left_out = self.JOURNAL_PLACEHOLDERS.get(name, {})
            data = {
                key: value
                for key, value in vars(domain_event).items()
                if key not in ("originator_id", "originator_version", "timestamp")
                and key not in left_out
            }
            self.journal.append(
                {"version": domain_event.originator_version, "type": name, "data": data}
            )


def parse_profile_value(field: ProfileField, value: Any) -> Any:
    """Turns a raw value (as sent over HTTP, or already typed) into the field's type."""
    if field is ProfileField.RUNG:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidValue("a rung is a whole number from 1 to 6")
        check_rung(value)
        return value
    if field is ProfileField.LABOUR_STATUS:
        if not isinstance(value, str | LabourStatus):
            raise InvalidValue("a labour status is one of its codes, as text")
        return _member(LabourStatus, value, field, value)
    if field is ProfileField.EDUCATION_LEVEL:
        if not isinstance(value, str | EducationLevel):
            raise InvalidValue("an education level is one of its codes, as text")
        return _member(EducationLevel, value, field, value)
    if field is ProfileField.BARRIERS:
        if not isinstance(value, list):
            raise InvalidValue("barriers must be a list of barrier codes")
        return list(dict.fromkeys(_member(Barrier, v, field, value) for v in value))
    if field is ProfileField.DISABILITY:
        if not isinstance(value, bool):
            raise InvalidValue("disability must be true or false")
        return value
    if not isinstance(value, str):
        raise PostcodeNotText()
    check_postcode(value)
    return value


def _member(codes: type[E], code: object, field: ProfileField, value: object) -> E:
    try:
        return codes(code)
    except ValueError:
        raise InvalidProfileValue(field, value, code, codes.__qualname__) from None


def command_of(event_type: str, data: dict[str, Any]) -> TrajectoryCommand:
    """The command that records an event of ``event_type`` with ``data`` (the event's
    fields as the code reads them today, after any upcasting): its fields by name,
    those the command does not take left out."""
    command = COMMAND_FOR_EVENT[event_type]
    taken = {f.name for f in dataclasses.fields(command)}
    return command(**{k: v for k, v in data.items() if k in taken})
