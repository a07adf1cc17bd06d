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
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any, ClassVar, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.domain import Aggregate, event
from eventsourcing.domain import Snapshot as BaseSnapshot

from domain.errors import DateInFuture, DomainError, InvalidValue, ReasonRequired
from domain.vocabulary import (
    COMPETITIVE_PLACEMENT_TYPES,
    FOLLOW_UP_MILESTONES,
    AgeBand,
    Barrier,
    DeclineReason,
    Destination,
    DropoutReason,
    EducationLevel,
    ExitStatus,
    Gender,
    LabourStatus,
    PlacementEndReason,
    PlacementType,
    ProfileField,
    ReferralSource,
    SessionMode,
    SessionSetting,
    Stage,
    SuspensionReason,
)

EXIT_RESULT_WINDOW_DAYS = 28
FOLLOW_UP_WINDOW_DAYS = 30
REOPEN_WINDOW_DAYS = 90
MAX_SESSION_MINUTES = 24 * 60
MAX_HOURS_PER_WEEK = 60.0
BRUSSELS = ZoneInfo("Europe/Brussels")
BELGIAN_POSTCODE = re.compile(r"[1-9][0-9]{3}", re.ASCII)
E = TypeVar("E", bound=Enum)
OPEN_STAGES = frozenset({Stage.ACTIVE, Stage.SUSPENDED})
EXIT_STAGES = frozenset({Stage.COMPLETED, Stage.DROPPED_OUT})


# Errors, named after the rule they guard ---------------------------------------------


class DateBeforeReferral(DomainError):
    code = "date_before_referral"
    template = "{what} on {on} is before the referral on {referred_on}"

    def __init__(self, what: str, on: date, referred_on: date) -> None:
        super().__init__(what=what, on=on, referred_on=referred_on)


class DateBeforeIntake(DomainError):
    code = "date_before_intake"
    template = "{what} on {on} is before the intake on {intake_on}"

    def __init__(self, what: str, on: date, intake_on: date) -> None:
        super().__init__(what=what, on=on, intake_on=intake_on)


class IntakeAlreadyCompleted(DomainError):
    code = "intake_already_completed"
    template = "the intake was already completed on {intake_on}"

    def __init__(self, intake_on: date) -> None:
        super().__init__(intake_on=intake_on)


class IntakeRequired(DomainError):
    code = "intake_required"
    template = "{what} needs a completed intake first"

    def __init__(self, what: str) -> None:
        super().__init__(what=what)


class DeclineAfterIntake(DomainError):
    code = "decline_after_intake"
    template = (
        "a referral can only be declined before intake; "
        "the intake was completed on {intake_on}"
    )

    def __init__(self, intake_on: date) -> None:
        super().__init__(intake_on=intake_on)


class TrajectoryNotOpen(DomainError):
    code = "trajectory_not_open"
    template = "cannot record {what}: the trajectory is {stage}"

    def __init__(self, what: str, stage: Stage) -> None:
        super().__init__(what=what, stage=stage)

    def english(self, value: object) -> str:
        return _words(value) if isinstance(value, Stage) else super().english(value)


class TrajectorySuspended(DomainError):
    code = "trajectory_suspended"
    template = "cannot record {what}: the trajectory is suspended since {since}"

    def __init__(self, what: str, since: date) -> None:
        super().__init__(what=what, since=since)


class AlreadySuspended(DomainError):
    code = "already_suspended"
    template = "the trajectory is already suspended since {since}"

    def __init__(self, since: date) -> None:
        super().__init__(since=since)


class NotSuspended(DomainError):
    code = "not_suspended"
    template = "the trajectory is not suspended, so it cannot be resumed"

    def __init__(self) -> None:
        super().__init__()


class CoachAlreadyAssigned(DomainError):
    code = "coach_already_assigned"
    template = "{coach} is already the trajectory's coach"

    def __init__(self, coach: str) -> None:
        super().__init__(coach=coach)


class RungOutOfRange(InvalidValue):
    code = "rung_out_of_range"
    template = "ladder rung {rung} is not between 1 and 6"

    def __init__(self, rung: object) -> None:
        super().__init__(rung=rung)


class InvalidPostcode(InvalidValue):
    code = "invalid_postcode"
    template = "postcode {postcode!r} is not a Belgian postcode (1000-9999)"

    def __init__(self, postcode: object) -> None:
        super().__init__(postcode=postcode)


class InvalidProfileValue(InvalidValue):
    """A value that is not one of the field's codes (``code`` is the one that is
    not: the value itself, or one item of a list)."""

    template = "{value!r} is not a valid {field}: {code!r} is not a valid {codes}"

    def __init__(
        self, field: ProfileField, value: object, code: object, codes: str
    ) -> None:
        super().__init__(field=field, value=value, code=code, codes=codes)


class BarrierAlreadyOpen(DomainError):
    code = "barrier_already_open"
    template = "barrier {barrier} is already identified and open"

    def __init__(self, barrier: Barrier) -> None:
        super().__init__(barrier=barrier)


class BarrierNotOpen(DomainError):
    code = "barrier_not_open"
    template = "barrier {barrier} cannot be resolved: it is not identified and open"

    def __init__(self, barrier: Barrier) -> None:
        super().__init__(barrier=barrier)


class ResolutionBeforeIdentification(DomainError):
    code = "resolution_before_identification"
    template = (
        "resolving barrier {barrier} on {on} is before it was identified on {since}"
    )

    def __init__(self, barrier: Barrier, on: date, since: date) -> None:
        super().__init__(barrier=barrier, on=on, since=since)


class SessionMinutesOutOfRange(InvalidValue):
    code = "session_minutes_out_of_range"
    template = (
        f"a session of {{minutes}} minutes is not between 1 and {MAX_SESSION_MINUTES}"
    )

    def __init__(self, minutes: int) -> None:
        super().__init__(minutes=minutes)


class SessionCapReached(DomainError):
    code = "session_cap_reached"
    template = (
        "the programme allows {cap} sessions per participant per year "
        "and {year} already has {cap}"
    )

    def __init__(self, year: int, cap: int) -> None:
        super().__init__(year=year, cap=cap)


class PlacementIdInUse(DomainError):
    code = "placement_id_in_use"
    template = "placement {placement_id} was already started"

    def __init__(self, placement_id: UUID) -> None:
        super().__init__(placement_id=placement_id)


class UnknownPlacement(DomainError):
    code = "unknown_placement"
    template = "placement {placement_id} was never started"

    def __init__(self, placement_id: UUID) -> None:
        super().__init__(placement_id=placement_id)


class PlacementAlreadyEnded(DomainError):
    code = "placement_already_ended"
    template = "placement {placement_id} already ended on {ended_on}"

    def __init__(self, placement_id: UUID, ended_on: date) -> None:
        super().__init__(placement_id=placement_id, ended_on=ended_on)


class PlacementEndBeforeStart(DomainError):
    code = "placement_end_before_start"
    template = "placement end on {on} is before the placement start on {started_on}"

    def __init__(self, on: date, started_on: date) -> None:
        super().__init__(on=on, started_on=started_on)


class HoursOutOfRange(InvalidValue):
    code = "hours_out_of_range"
    template = f"{{hours}} hours per week is not between 0 and {MAX_HOURS_PER_WEEK:g}"

    def __init__(self, hours: float) -> None:
        super().__init__(hours=hours)


class EmployerRequired(DomainError):
    code = "employer_required"
    template = "a placement needs the name of its employer or host"

    def __init__(self) -> None:
        super().__init__()


class DateBeforeLastEvent(DomainError):
    code = "date_before_last_event"
    template = "{what} on {on} is before the last recorded event on {last_on}"

    def __init__(self, what: str, on: date, last_on: date) -> None:
        super().__init__(what=what, on=on, last_on=last_on)


class ResumptionBeforeSuspension(DomainError):
    code = "resumption_before_suspension"
    template = "resumption on {on} is before the suspension on {suspended_on}"

    def __init__(self, on: date, suspended_on: date) -> None:
        super().__init__(on=on, suspended_on=suspended_on)


class DropoutReasonRequired(ReasonRequired):
    code = "dropout_reason_required"

    def __init__(self) -> None:
        super().__init__("a dropout")


class ExitRequired(DomainError):
    code = "exit_required"
    template = "{what} needs an exit first; the trajectory is {stage}"

    def __init__(self, what: str, stage: Stage) -> None:
        super().__init__(what=what, stage=stage)

    def english(self, value: object) -> str:
        return _words(value) if isinstance(value, Stage) else super().english(value)


class ExitResultAlreadyRecorded(DomainError):
    code = "exit_result_already_recorded"
    template = "the exit result was already recorded, observed on {observed_on}"

    def __init__(self, observed_on: date) -> None:
        super().__init__(observed_on=observed_on)


class ObservationOutsideWindow(DomainError):
    code = "observation_outside_window"
    template = (
        "{what} observed on {observed_on} is outside its window from {first} to {last}"
    )

    def __init__(self, what: str, observed_on: date, first: date, last: date) -> None:
        super().__init__(what=what, observed_on=observed_on, first=first, last=last)


class UnknownMilestone(InvalidValue):
    code = "unknown_milestone"
    template = (
        "follow-up milestone {milestone} is not "
        + " or ".join(str(m) for m in FOLLOW_UP_MILESTONES)
        + " months"
    )

    def __init__(self, milestone: int) -> None:
        super().__init__(milestone=milestone)


class FollowUpAlreadyRecorded(DomainError):
    code = "follow_up_already_recorded"
    template = "the {milestone}-month follow-up was already recorded"

    def __init__(self, milestone: int) -> None:
        super().__init__(milestone=milestone)


class ReopenWindowPassed(DomainError):
    code = "reopen_window_passed"
    template = (
        f"reopening on {{on}} is more than {REOPEN_WINDOW_DAYS} days "
        "after the exit on {exit_on}"
    )

    def __init__(self, on: date, exit_on: date) -> None:
        super().__init__(on=on, exit_on=exit_on)


class DateBeforeExit(DomainError):
    code = "date_before_exit"
    template = "{what} on {on} is before the exit on {exit_on}"

    def __init__(self, what: str, on: date, exit_on: date) -> None:
        super().__init__(what=what, on=on, exit_on=exit_on)


class CorrectionChangesNothing(DomainError):
    code = "correction_changes_nothing"
    template = "the entry profile's {field} already has that value"

    def __init__(self, field: ProfileField) -> None:
        super().__init__(field=field)


class UnknownVersion(DomainError):
    code = "unknown_version"
    template = "version {version} does not exist; the last is {last}"

    def __init__(self, version: int, last: int) -> None:
        super().__init__(version=version, last=last)


class EntryNotRetractable(DomainError):
    code = "entry_not_retractable"
    template = "version {version} cannot be retracted: {why}"

    def __init__(self, version: int, why: str) -> None:
        super().__init__(version=version, why=why)


class EntryAlreadyRetracted(EntryNotRetractable):
    template = (
        "version {version} cannot be retracted: version {by} already retracted it"
    )

    def __init__(self, version: int, by: int) -> None:
        DomainError.__init__(self, version=version, by=by)


class RetractionBreaksHistory(DomainError):
    """``why`` is the rule the later version would break, as its own error."""

    code = "retraction_breaks_history"
    template = "retracting version {version} would leave version {later} invalid: {why}"

    def __init__(self, version: int, later: int, why: DomainError) -> None:
        super().__init__(version=version, later=later, why=why)


def _words(stage: Stage) -> str:
    return stage.value.replace("_", " ")


# State -------------------------------------------------------------------------------


@dataclass
class Placement:
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


def today() -> date:
    """Business dates are Belgian: "today" is today in Brussels, whatever the server."""
    return datetime.now(BRUSSELS).date()


# The aggregate -----------------------------------------------------------------------


class Trajectory(Aggregate):
    TOPIC = "trajectory:Trajectory"

    class Event(Aggregate.Event):
        TOPIC = "trajectory:Trajectory.Event"

        def apply(self, aggregate: Any) -> None:
            """Runs after each ``@event`` body: remembers the events that count."""
            aggregate._remember(self)

    class Snapshot(BaseSnapshot):
        TOPIC = "trajectory:Trajectory.Snapshot"

    # Free text, which may tell about the person, kept out of the journal (and so out
    # of snapshots), with the placeholder a replay of the journal uses instead.
    JOURNAL_PLACEHOLDERS: ClassVar[dict[str, dict[str, Any]]] = {
        "SessionHeld": {"note": ""},
        "EntryProfileCorrected": {"reason": "(in the event)"},
        "TrajectoryReopened": {"reason": "(in the event)"},
    }

    # Which command re-records each kind of event (used to re-check a history).
    COMMANDS: ClassVar[dict[str, str]] = {
        "ReferralDeclined": "decline_referral",
        "IntakeCompleted": "complete_intake",
        "EntryProfileCorrected": "correct_entry_profile",
        "CoachAssigned": "assign_coach",
        "LadderAssessed": "assess_ladder",
        "BarrierIdentified": "identify_barrier",
        "BarrierResolved": "resolve_barrier",
        "SessionHeld": "hold_session",
        "PlacementStarted": "start_placement",
        "PlacementEnded": "end_placement",
        "TrajectorySuspended": "suspend",
        "TrajectoryResumed": "resume",
        "TrajectoryCompleted": "complete",
        "DroppedOut": "drop_out",
        "ExitResultRecorded": "record_exit_result",
        "FollowUpRecorded": "record_follow_up",
        "TrajectoryReopened": "reopen",
    }

    # Referral --------------------------------------------------------------------

    @classmethod
    def refer(
        cls,
        *,
        participant_id: UUID,
        programme: str,
        organisation: str,
        referral_source: ReferralSource,
        on: date,
        age_band: AgeBand,
        gender: Gender,
        recorded_by: str,
    ) -> Trajectory:
        """Receives a referral. Programme and eligibility are checked by the caller,
        which holds the Programme and Participant (see ``Programme.check_referral``)."""
        cls._check_recorder(recorded_by)
        if on > today():
            raise DateInFuture("referral", on, today())
        return cls(
            participant_id=participant_id,
            programme=programme,
            organisation=organisation,
            referral_source=referral_source,
            on=on,
            age_band=age_band,
            gender=gender,
            recorded_by=recorded_by,
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

    def _start_fresh(self) -> None:
        """The state right after the referral, before anything else counted."""
        self.stage = Stage.REFERRED
        self.last_on = self.referred_on
        self.declined_on: date | None = None
        self.decline_reason: DeclineReason | None = None
        self.intake_on: date | None = None
        self.coach: str | None = None
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

    def placement(self, placement_id: UUID) -> Placement:
        for placement in self.placements:
            if placement.placement_id == placement_id:
                return placement
        raise UnknownPlacement(placement_id)

    # Shared checks -----------------------------------------------------------------

    def _check_date(self, what: str, on: date) -> None:
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

    @staticmethod
    def _check_recorder(recorded_by: str) -> None:
        if not recorded_by.strip():
            raise InvalidValue("recorded_by must name the staff member who records it")

    # Declined referral ---------------------------------------------------------------

    def decline_referral(
        self, *, on: date, reason: DeclineReason, recorded_by: str
    ) -> None:
        self._check_recorder(recorded_by)
        if self.stage is Stage.DECLINED:
            raise TrajectoryNotOpen("a declined referral", self.stage)
        if self.intake_on is not None:
            raise DeclineAfterIntake(self.intake_on)
        self._check_date("the decline", on)
        self._referral_declined(on=on, reason=reason, recorded_by=recorded_by)

    @event("ReferralDeclined", topic="trajectory:ReferralDeclined")
    def _referral_declined(
        self, on: date, reason: DeclineReason, recorded_by: str
    ) -> None:
        self.stage = Stage.DECLINED
        self.declined_on, self.decline_reason = on, reason
        self.last_on = max(self.last_on, on)

    # Intake ----------------------------------------------------------------------

    def complete_intake(
        self,
        *,
        on: date,
        coach: str,
        rung: int,
        labour_status: LabourStatus,
        education_level: EducationLevel,
        barriers: list[Barrier],
        disability: bool,
        postcode: str,
        recorded_by: str,
    ) -> None:
        self._check_recorder(recorded_by)
        if self.stage is Stage.DECLINED:
            raise TrajectoryNotOpen("an intake", self.stage)
        if self.intake_on is not None:
            raise IntakeAlreadyCompleted(self.intake_on)
        self._check_date("intake", on)
        if not coach.strip():
            raise InvalidValue("an intake needs the coach who takes the trajectory")
        check_rung(rung)
        check_postcode(postcode)
        self._intake_completed(
            on=on,
            coach=coach,
            rung=rung,
            labour_status=labour_status,
            education_level=education_level,
            barriers=list(dict.fromkeys(barriers)),
            disability=disability,
            postcode=postcode,
            recorded_by=recorded_by,
        )

    @event("IntakeCompleted", topic="trajectory:IntakeCompleted")
    def _intake_completed(
        self,
        on: date,
        coach: str,
        rung: int,
        labour_status: LabourStatus,
        education_level: EducationLevel,
        barriers: list[Barrier],
        disability: bool,
        postcode: str,
        recorded_by: str,
    ) -> None:
        self.stage = Stage.ACTIVE
        self.intake_on, self.coach = on, coach
        self.rung_at_intake = rung
        self.labour_status, self.education_level = labour_status, education_level
        self.entry_barriers = list(barriers)
        self.open_barriers = list(barriers)
        self.barriers_open_since = {b.value: on for b in barriers}
        self.disability, self.postcode = disability, postcode
        self.last_contact_on = on
        self.last_on = max(self.last_on, on)

    def correct_entry_profile(
        self,
        *,
        on: date,
        field: ProfileField,
        value: Any,
        reason: str,
        recorded_by: str,
    ) -> None:
        self._check_recorder(recorded_by)
        self._check_taken_in("an entry-profile correction", on)
        self._check_date("the correction", on)
        if not reason.strip():
            raise ReasonRequired("an entry-profile correction")
        value = parse_profile_value(field, value)
        current = self._profile_value(field)
        if value == current or (
            field is ProfileField.BARRIERS and set(value) == set(current)
        ):
            raise CorrectionChangesNothing(field)
        self._entry_profile_corrected(
            on=on, field=field, value=value, reason=reason, recorded_by=recorded_by
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

    def assign_coach(self, *, on: date, coach: str, recorded_by: str) -> None:
        self._check_recorder(recorded_by)
        self._check_open("a coach assignment", on)
        self._check_date("the coach assignment", on)
        if not coach.strip():
            raise InvalidValue("a coach assignment needs the coach's name")
        if coach == self.coach:
            raise CoachAlreadyAssigned(coach)
        self._coach_assigned(on=on, coach=coach, recorded_by=recorded_by)

    @event("CoachAssigned", topic="trajectory:CoachAssigned")
    def _coach_assigned(self, on: date, coach: str, recorded_by: str) -> None:
        self.coach = coach
        self.last_on = max(self.last_on, on)

    def assess_ladder(self, *, on: date, rung: int, recorded_by: str) -> None:
        self._check_recorder(recorded_by)
        self._check_taken_in("a ladder assessment", on)
        self._check_date("the ladder assessment", on)
        check_rung(rung)
        self._ladder_assessed(on=on, rung=rung, recorded_by=recorded_by)

    @event("LadderAssessed", topic="trajectory:LadderAssessed")
    def _ladder_assessed(self, on: date, rung: int, recorded_by: str) -> None:
        self.assessed_rung = rung
        self.last_on = max(self.last_on, on)

    def identify_barrier(self, *, on: date, barrier: Barrier, recorded_by: str) -> None:
        self._check_recorder(recorded_by)
        self._check_open("a barrier", on)
        self._check_date("the barrier", on)
        if barrier in self.open_barriers:
            raise BarrierAlreadyOpen(barrier)
        self._barrier_identified(on=on, barrier=barrier, recorded_by=recorded_by)

    @event("BarrierIdentified", topic="trajectory:BarrierIdentified")
    def _barrier_identified(self, on: date, barrier: Barrier, recorded_by: str) -> None:
        self.open_barriers.append(barrier)
        self.barriers_open_since[barrier.value] = on
        self._note_barrier_event(barrier)
        self.last_on = max(self.last_on, on)

    def resolve_barrier(self, *, on: date, barrier: Barrier, recorded_by: str) -> None:
        self._check_recorder(recorded_by)
        self._check_open("a resolved barrier", on)
        self._check_date("the resolution", on)
        if barrier not in self.open_barriers:
            raise BarrierNotOpen(barrier)
        since = self.barriers_open_since[barrier.value]
        if on < since:
            raise ResolutionBeforeIdentification(barrier, on, since)
        self._barrier_resolved(on=on, barrier=barrier, recorded_by=recorded_by)

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
        *,
        on: date,
        minutes: int,
        mode: SessionMode,
        setting: SessionSetting,
        note: str,
        recorded_by: str,
        session_cap: int | None = None,
    ) -> None:
        """Records a session; ``session_cap`` is the programme's yearly cap, if any."""
        self._check_recorder(recorded_by)
        self._check_active("a session", on)
        self._check_date("the session", on)
        if not 1 <= minutes <= MAX_SESSION_MINUTES:
            raise SessionMinutesOutOfRange(minutes)
        if session_cap is not None:
            if self.sessions_per_year.get(str(on.year), 0) >= session_cap:
                raise SessionCapReached(on.year, session_cap)
        self._session_held(
            on=on,
            minutes=minutes,
            mode=mode,
            setting=setting,
            note=note,
            recorded_by=recorded_by,
        )

    @event("SessionHeld", topic="trajectory:SessionHeld")
    def _session_held(
        self,
        on: date,
        minutes: int,
        mode: SessionMode,
        setting: SessionSetting,
        note: str,
        recorded_by: str,
    ) -> None:
        year = str(on.year)
        self.sessions_per_year[year] = self.sessions_per_year.get(year, 0) + 1
        self.session_minutes += minutes
        if self.last_contact_on is None or on > self.last_contact_on:
            self.last_contact_on = on
        self.last_on = max(self.last_on, on)

    # Placements --------------------------------------------------------------------

    def start_placement(
        self,
        *,
        placement_id: UUID,
        on: date,
        placement_type: PlacementType,
        employer: str,
        paid: bool,
        hours_per_week: float,
        recorded_by: str,
    ) -> None:
        self._check_recorder(recorded_by)
        self._check_active("a placement", on)
        self._check_date("the placement start", on)
        if any(p.placement_id == placement_id for p in self.placements):
            raise PlacementIdInUse(placement_id)
        if not employer.strip():
            raise EmployerRequired()
        if not 0 < hours_per_week <= MAX_HOURS_PER_WEEK:
            raise HoursOutOfRange(hours_per_week)
        self._placement_started(
            placement_id=placement_id,
            on=on,
            placement_type=placement_type,
            employer=employer,
            paid=paid,
            hours_per_week=float(hours_per_week),
            recorded_by=recorded_by,
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

    def end_placement(
        self,
        *,
        placement_id: UUID,
        on: date,
        reason: PlacementEndReason,
        recorded_by: str,
    ) -> None:
        self._check_recorder(recorded_by)
        placement = self.placement(placement_id)
        if placement.ended_on is not None:
            raise PlacementAlreadyEnded(placement_id, placement.ended_on)
        self._check_date("the placement end", on)
        if on < placement.started_on:
            raise PlacementEndBeforeStart(on, placement.started_on)
        self._placement_ended(
            placement_id=placement_id, on=on, reason=reason, recorded_by=recorded_by
        )

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

    def suspend(self, *, on: date, reason: SuspensionReason, recorded_by: str) -> None:
        self._check_recorder(recorded_by)
        self._check_open("a suspension", on)
        if self.suspended_on is not None:
            raise AlreadySuspended(self.suspended_on)
        self._check_date("the suspension", on)
        if on < self.last_on:
            raise DateBeforeLastEvent("the suspension", on, self.last_on)
        self._suspended(on=on, reason=reason, recorded_by=recorded_by)

    @event("TrajectorySuspended", topic="trajectory:TrajectorySuspended")
    def _suspended(self, on: date, reason: SuspensionReason, recorded_by: str) -> None:
        self.stage = Stage.SUSPENDED
        self.suspended_on, self.suspension_reason = on, reason
        self.suspensions.append([on, None])
        self.last_on = max(self.last_on, on)

    def resume(self, *, on: date, reason: SuspensionReason, recorded_by: str) -> None:
        self._check_recorder(recorded_by)
        self._check_open("a resumption")
        if self.suspended_on is None:
            raise NotSuspended()
        self._check_date("the resumption", on)
        if on < self.suspended_on:
            raise ResumptionBeforeSuspension(on, self.suspended_on)
        self._resumed(on=on, reason=reason, recorded_by=recorded_by)

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

    def complete(self, *, on: date, destination: Destination, recorded_by: str) -> None:
        self._check_recorder(recorded_by)
        self._check_exit("completion", on)
        self._completed(on=on, destination=destination, recorded_by=recorded_by)

    @event("TrajectoryCompleted", topic="trajectory:TrajectoryCompleted")
    def _completed(self, on: date, destination: Destination, recorded_by: str) -> None:
        self.stage = Stage.COMPLETED
        self.exit_on, self.destination = on, destination
        self._end_suspension(on)
        self.last_on = max(self.last_on, on)

    def drop_out(
        self, *, on: date, reason: DropoutReason | None, recorded_by: str
    ) -> None:
        self._check_recorder(recorded_by)
        if reason is None:
            raise DropoutReasonRequired()
        self._check_exit("dropout", on)
        self._dropped_out(on=on, reason=reason, recorded_by=recorded_by)

    @event("DroppedOut", topic="trajectory:DroppedOut")
    def _dropped_out(self, on: date, reason: DropoutReason, recorded_by: str) -> None:
        self.stage = Stage.DROPPED_OUT
        self.exit_on, self.dropout_reason = on, reason
        self._end_suspension(on)
        self.last_on = max(self.last_on, on)

    def record_exit_result(
        self, *, observed_on: date, status: ExitStatus, recorded_by: str
    ) -> None:
        self._check_recorder(recorded_by)
        exit_on = self._check_exited("an exit result")
        if self.exit_result_on is not None:
            raise ExitResultAlreadyRecorded(self.exit_result_on)
        if observed_on > today():
            raise DateInFuture("the exit result", observed_on, today())
        last = exit_on + timedelta(days=EXIT_RESULT_WINDOW_DAYS)
        if not exit_on <= observed_on <= last:
            raise ObservationOutsideWindow(
                "the exit result", observed_on, exit_on, last
            )
        self._exit_result_recorded(
            observed_on=observed_on, status=status, recorded_by=recorded_by
        )

    @event("ExitResultRecorded", topic="trajectory:ExitResultRecorded")
    def _exit_result_recorded(
        self, observed_on: date, status: ExitStatus, recorded_by: str
    ) -> None:
        self.exit_result, self.exit_result_on = status, observed_on
        self.last_on = max(self.last_on, observed_on)

    def record_follow_up(
        self,
        *,
        milestone: int,
        observed_on: date,
        status: ExitStatus,
        recorded_by: str,
    ) -> None:
        self._check_recorder(recorded_by)
        if milestone not in FOLLOW_UP_MILESTONES:
            raise UnknownMilestone(milestone)
        exit_on = self._check_exited(f"a {milestone}-month follow-up")
        if str(milestone) in self.follow_ups:
            raise FollowUpAlreadyRecorded(milestone)
        if observed_on > today():
            raise DateInFuture("the follow-up", observed_on, today())
        due = add_months(exit_on, milestone)
        first = due - timedelta(days=FOLLOW_UP_WINDOW_DAYS)
        last = due + timedelta(days=FOLLOW_UP_WINDOW_DAYS)
        if not first <= observed_on <= last:
            raise ObservationOutsideWindow(
                f"the {milestone}-month follow-up", observed_on, first, last
            )
        self._follow_up_recorded(
            milestone=milestone,
            observed_on=observed_on,
            status=status,
            recorded_by=recorded_by,
        )

    @event("FollowUpRecorded", topic="trajectory:FollowUpRecorded")
    def _follow_up_recorded(
        self, milestone: int, observed_on: date, status: ExitStatus, recorded_by: str
    ) -> None:
        self.follow_ups[str(milestone)] = status
        self.last_on = max(self.last_on, observed_on)

    def reopen(self, *, on: date, reason: str, recorded_by: str) -> None:
        """Reopens after an exit; the caller checks no newer trajectory exists."""
        self._check_recorder(recorded_by)
        exit_on = self._check_exited("reopening")
        if not reason.strip():
            raise ReasonRequired("reopening")
        self._check_date("reopening", on)
        if on < exit_on:
            raise DateBeforeExit("reopening", on, exit_on)
        if on > exit_on + timedelta(days=REOPEN_WINDOW_DAYS):
            raise ReopenWindowPassed(on, exit_on)
        if on < self.last_on:
            raise DateBeforeLastEvent("reopening", on, self.last_on)
        self._reopened(on=on, reason=reason, recorded_by=recorded_by)

    @event("TrajectoryReopened", topic="trajectory:TrajectoryReopened")
    def _reopened(self, on: date, reason: str, recorded_by: str) -> None:
        self.stage = Stage.ACTIVE
        self.exit_on = self.destination = self.dropout_reason = None
        self.exit_result = self.exit_result_on = None
        self.follow_ups = {}
        self.reopenings += 1
        self.last_on = max(self.last_on, on)

    # Retraction --------------------------------------------------------------------

    def retract_entry(
        self, *, on: date, version: int, reason: str, recorded_by: str
    ) -> None:
        self._check_recorder(recorded_by)
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
        self._entry_retracted(
            on=on, version=version, reason=reason, recorded_by=recorded_by
        )

    def _check_history_without(self, version: int) -> None:
        """Re-records every remaining event on a scratch copy, so each rule is checked
        against the history as it would be without ``version``."""
        scratch = copy.deepcopy(self)
        scratch._start_fresh()
        for entry in self.journal:
            if entry["version"] == version:
                continue
            command = getattr(scratch, self.COMMANDS[entry["type"]])
            try:
                command(**self._journalled_data(entry))
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
        if name in self.COMMANDS:
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
        check_rung(value)
        return value
    if field is ProfileField.LABOUR_STATUS:
        return _member(LabourStatus, value, field, value)
    if field is ProfileField.EDUCATION_LEVEL:
        return _member(EducationLevel, value, field, value)
    if field is ProfileField.BARRIERS:
        if not isinstance(value, list):
            raise InvalidValue("barriers must be a list of barrier codes")
        return list(dict.fromkeys(_member(Barrier, v, field, value) for v in value))
    if field is ProfileField.DISABILITY:
        if not isinstance(value, bool):
            raise InvalidValue("disability must be true or false")
        return value
    check_postcode(value)
    return value


def _member(codes: type[E], code: object, field: ProfileField, value: object) -> E:
    try:
        return codes(code)
    except ValueError:
        raise InvalidProfileValue(field, value, code, codes.__qualname__) from None
