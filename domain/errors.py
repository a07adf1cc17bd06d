"""Domain errors: each names the rule it guards and says what was refused, with values;
and the limits the rules hold values to.

Every error carries a stable ``code`` (snake case, never reworded) for machines and a
message for people. The message is the class's English ``template`` filled with the
error's ``values``; the values stay raw (dates, enum members, numbers), so a page in
another language can word the refusal and show each value its own way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import fields
from dataclasses import is_dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from string import Formatter
from typing import Any
from typing import ClassVar
from typing import cast
from typing import dataclass_transform
from uuid import UUID

from domain.vocabulary import FOLLOW_UP_MILESTONES
from domain.vocabulary import Barrier
from domain.vocabulary import ProfileField
from domain.vocabulary import SessionMode
from domain.vocabulary import Stage


@dataclass_transform(eq_default=False)
class DomainError(Exception):
    """The base of every refusal. A subclass sets its ``code`` and ``template`` and
    declares its values as fields, in the order its constructor takes them (a date,
    say, as ``on: date``); they become the error's ``values``, and the template
    filled with them its English ``message``."""

    code: ClassVar[str] = "domain_rule_broken"
    template: ClassVar[str] = "{message}"
    # Values that are English words rather than data: another language translates
    # them ("an intake", "reopening", a free-form message).
    PHRASES: ClassVar[frozenset[str]] = frozenset({"message", "what", "why"})

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("__annotations__"):
            dataclass(eq=False, repr=False)(cls)

    def __post_init__(self) -> None:
        values = {f.name: getattr(self, f.name) for f in fields(cast(Any, self))}
        DomainError.__init__(self, **values)

    def __init__(self, message: str | None = None, /, **values: object) -> None:
        if message is not None:
            values = {"message": message, **values}
        self.values: dict[str, object] = values
        self.message = self.words(self.template, lambda _, value: self.english(value))
        super().__init__(self.message)

    def english(self, value: object) -> str:
        """How the English message shows a value; a class may show some its own way."""
        if isinstance(value, DomainError):
            return value.message
        if isinstance(value, Stage):  # as a sentence says it: "dropped out"
            return value.value.replace("_", " ")
        if isinstance(value, Enum):
            return str(value.value)
        if isinstance(value, list | tuple):
            return ", ".join(self.english(item) for item in value)
        return str(value)

    def words(self, template: str, show: Callable[[str, object], str]) -> str:
        """``template`` with each ``{name}`` replaced by ``show(name, value)``; a
        ``{name!r}`` quotes the raw value, as it was typed."""
        quoted = {
            name
            for _, name, _, conversion in Formatter().parse(template)
            if conversion == "r"
        }
        shown = {
            name: value if name in quoted else show(name, value)
            for name, value in self.values.items()
        }
        return template.format(**shown)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its class and values (a process pool hands it back): its
        constructor's arguments are not its ``args``."""
        return (_refusal, (type(self), self.values))


def _refusal(cls: type[DomainError], values: dict[str, object]) -> DomainError:
    error = cls.__new__(cls)
    if is_dataclass(cls):  # its values are its fields too
        for kept in fields(cls):
            if kept.name in values:
                object.__setattr__(error, kept.name, values[kept.name])
    DomainError.__init__(error, **values)
    return error


class NotFound(DomainError):
    """Something named by id or code does not exist."""

    code = "not_found"


class DateInFuture(DomainError):
    code = "date_in_future"
    template = "{what} on {on} is in the future (today is {today})"

    what: str
    on: date
    today: date


class InvalidValue(DomainError):
    """A value outside its allowed range or format."""

    code = "invalid_value"


class NotAChoice(InvalidValue):
    """A value that is none of those a list or a filter takes (a stage, an alert, a
    kind of item): answered as an invalid value, worded in the page's language."""

    template = "{what} {value!r} is none of {choices}"
    what: str
    value: str
    choices: list[str]


class StageNotOnCaseload(InvalidValue):
    """A stage the caseload does not list: only open trajectories are on it."""

    template = "stage {value!r} is not on a caseload: the stages are {choices}"
    value: str
    choices: list[str]


class InvalidNationalNumber(InvalidValue):
    """A national register number that is not one, or not of this birth date (an
    invalid value, answered as one; a form marks its field)."""


class ReasonRequired(DomainError):
    code = "reason_required"
    template = "{what} needs a reason"

    what: str


# Limits -------------------------------------------------------------------------------

EXIT_RESULT_WINDOW_DAYS = 28
FOLLOW_UP_WINDOW_DAYS = 30
REOPEN_WINDOW_DAYS = 90
MAX_SESSION_MINUTES = 24 * 60
MAX_HOURS_PER_WEEK = 60.0


# The Trajectory aggregate -------------------------------------------------------------


class DateBeforeReferral(DomainError):
    code = "date_before_referral"
    template = "{what} on {on} is before the referral on {referred_on}"

    what: str
    on: date
    referred_on: date


class DateBeforeIntake(DomainError):
    code = "date_before_intake"
    template = "{what} on {on} is before the intake on {intake_on}"

    what: str
    on: date
    intake_on: date


class IntakeAlreadyCompleted(DomainError):
    code = "intake_already_completed"
    template = "the intake was already completed on {intake_on}"

    intake_on: date


class IntakeRequired(DomainError):
    code = "intake_required"
    template = "{what} needs a completed intake first"

    what: str


class DeclineAfterIntake(DomainError):
    code = "decline_after_intake"
    template = (
        "a referral can only be declined before intake; "
        "the intake was completed on {intake_on}"
    )

    intake_on: date


class TrajectoryNotOpen(DomainError):
    code = "trajectory_not_open"
    template = "cannot record {what}: the trajectory is {stage}"

    what: str
    stage: Stage


class TrajectorySuspended(DomainError):
    code = "trajectory_suspended"
    template = "cannot record {what}: the trajectory is suspended since {since}"

    what: str
    since: date


class AlreadySuspended(DomainError):
    code = "already_suspended"
    template = "the trajectory is already suspended since {since}"

    since: date


class NotSuspended(DomainError):
    code = "not_suspended"
    template = "the trajectory is not suspended, so it cannot be resumed"


class CoachAlreadyAssigned(DomainError):
    code = "coach_already_assigned"
    template = "{coach} is already the trajectory's coach"

    coach: str


class CoachOfAnotherOrganisation(DomainError):
    code = "coach_of_another_organisation"
    template = (
        "{coach} is a coach of {coach_organisation}, not of {organisation}, which "
        "runs the trajectory"
    )

    coach: str
    coach_organisation: str
    organisation: str


class CoachHasLeft(DomainError):
    code = "coach_has_left"
    template = "{coach} left the organisation on {left_on}"

    coach: str
    left_on: date


class CoachAlreadyLeft(DomainError):
    code = "coach_already_left"
    template = "{coach} already left the organisation on {left_on}"

    coach: str
    left_on: date


class RungOutOfRange(InvalidValue):
    code = "rung_out_of_range"
    template = "ladder rung {rung} is not between 1 and 6"

    rung: object


class InvalidPostcode(InvalidValue):
    code = "invalid_postcode"
    template = "postcode {postcode!r} is not a Belgian postcode (1000-9999)"

    postcode: object


class PostcodeNotText(InvalidValue):
    """A postcode sent as a number or a list: it is text (a leading zero, none in
    Belgium, would be lost as a number)."""

    code = "invalid_postcode"
    template = 'a postcode is text of 4 digits, such as "9300"'


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

    barrier: Barrier


class BarrierNotOpen(DomainError):
    code = "barrier_not_open"
    template = "barrier {barrier} cannot be resolved: it is not identified and open"

    barrier: Barrier


class ResolutionBeforeIdentification(DomainError):
    code = "resolution_before_identification"
    template = (
        "resolving barrier {barrier} on {on} is before it was identified on {since}"
    )

    barrier: Barrier
    on: date
    since: date


class SessionMinutesOutOfRange(InvalidValue):
    code = "session_minutes_out_of_range"
    template = (
        f"a session of {{minutes}} minutes is not between 1 and {MAX_SESSION_MINUTES}"
    )

    minutes: int


class SessionCapReached(DomainError):
    code = "session_cap_reached"
    template = (
        "the programme allows {cap} sessions per participant per year "
        "and {year} already has {cap}"
    )

    year: int
    cap: int


class PlacementIdInUse(DomainError):
    code = "placement_id_in_use"
    template = "placement {placement_id} was already started"

    placement_id: UUID


class UnknownPlacement(DomainError):
    code = "unknown_placement"
    template = "placement {placement_id} was never started"

    placement_id: UUID


class PlacementAlreadyEnded(DomainError):
    code = "placement_already_ended"
    template = "placement {placement_id} already ended on {ended_on}"

    placement_id: UUID
    ended_on: date


class PlacementEndBeforeStart(DomainError):
    code = "placement_end_before_start"
    template = "placement end on {on} is before the placement start on {started_on}"

    on: date
    started_on: date


class HoursOutOfRange(InvalidValue):
    code = "hours_out_of_range"
    template = (
        f"{{hours}} hours per week is not more than 0 and at most "
        f"{MAX_HOURS_PER_WEEK:g}"
    )

    hours: float


class EmployerRequired(DomainError):
    code = "employer_required"
    template = "a placement needs the name of its employer or host"


class DateBeforeLastEvent(DomainError):
    code = "date_before_last_event"
    template = "{what} on {on} is before the last recorded event on {last_on}"

    what: str
    on: date
    last_on: date


class ResumptionBeforeSuspension(DomainError):
    code = "resumption_before_suspension"
    template = "resumption on {on} is before the suspension on {suspended_on}"

    on: date
    suspended_on: date


class DropoutReasonRequired(ReasonRequired):
    code = "dropout_reason_required"

    def __init__(self) -> None:
        super().__init__("a dropout")


class ExitRequired(DomainError):
    code = "exit_required"
    template = "{what} needs an exit first; the trajectory is {stage}"

    what: str
    stage: Stage


class ExitResultAlreadyRecorded(DomainError):
    code = "exit_result_already_recorded"
    template = "the exit result was already recorded, observed on {observed_on}"

    observed_on: date


class ObservationOutsideWindow(DomainError):
    code = "observation_outside_window"
    template = (
        "{what} observed on {observed_on} is outside its window from {first} to {last}"
    )

    what: str
    observed_on: date
    first: date
    last: date


class UnknownMilestone(InvalidValue):
    code = "unknown_milestone"
    template = (
        "follow-up milestone {milestone} is not "
        + " or ".join(str(m) for m in FOLLOW_UP_MILESTONES)
        + " months"
    )

    milestone: int


class FollowUpAlreadyRecorded(DomainError):
    code = "follow_up_already_recorded"
    template = "the {milestone}-month follow-up was already recorded"

    milestone: int


class ReopenWindowPassed(DomainError):
    code = "reopen_window_passed"
    template = (
        f"reopening on {{on}} is more than {REOPEN_WINDOW_DAYS} days "
        "after the exit on {exit_on}"
    )

    on: date
    exit_on: date


class DateBeforeExit(DomainError):
    code = "date_before_exit"
    template = "{what} on {on} is before the exit on {exit_on}"

    what: str
    on: date
    exit_on: date


class CorrectionChangesNothing(DomainError):
    code = "correction_changes_nothing"
    template = "the entry profile's {field} already has that value"

    field: ProfileField


class UnknownVersion(DomainError):
    code = "unknown_version"
    template = "version {version} does not exist; the last is {last}"

    version: int
    last: int


class EntryNotRetractable(DomainError):
    code = "entry_not_retractable"
    template = "version {version} cannot be retracted: {why}"

    version: int
    why: str


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

    version: int
    later: int
    why: DomainError


class GroupTooSmall(DomainError):
    code = "group_too_small"
    template = "a group session is held with at least 2 participants, not {count}"

    count: int


class GroupTooLarge(DomainError):
    code = "group_too_large"
    template = "a group session is held with at most {most} participants, not {count}"

    count: int
    most: int


class ParticipantTwiceInGroup(DomainError):
    code = "participant_twice_in_group"
    template = "trajectory {trajectory_id} is in the group twice"

    trajectory_id: UUID


class GroupSessionNotInGroup(DomainError):
    code = "group_session_not_in_group"
    template = "a group session is held in a group, not in {mode} mode"

    mode: SessionMode


class GroupMemberRefused(DomainError):
    """One participant cannot take part: the whole group is refused, naming them."""

    code = "group_member_refused"
    template = "participant {position} of the group (trajectory {trajectory_id}): {why}"

    position: int
    trajectory_id: UUID
    why: DomainError


# The Programme aggregate --------------------------------------------------------------


class ProgrammeNotRunning(DomainError):
    code = "programme_not_running"
    template = "programme {code} runs from {starts_on} to {ends_on}, not on {on}"

    def __init__(self, code: str, on: date, starts_on: date, ends_on: date) -> None:
        super().__init__(code=code, on=on, starts_on=starts_on, ends_on=ends_on)


class ProgrammeNotStarted(ProgrammeNotRunning):
    """An ongoing programme (no end date) refuses a date before its start only."""

    template = "programme {code} runs from {starts_on}, not on {on}"

    def __init__(self, code: str, on: date, starts_on: date) -> None:
        DomainError.__init__(self, code=code, on=on, starts_on=starts_on)


class PeriodChangeChangesNothing(InvalidValue):
    template = "the change leaves the programme's end and budget as they were"


class AgeNotEligible(DomainError):
    code = "age_not_eligible"
    template = (
        "programme {code} takes participants aged {min_age} to {max_age}; "
        "this participant is {age} on the referral date"
    )

    def __init__(self, code: str, age: int, min_age: int, max_age: int) -> None:
        super().__init__(code=code, age=age, min_age=min_age, max_age=max_age)


class OrganisationNotInProgramme(DomainError):
    code = "organisation_not_in_programme"
    template = "{organisation} is not an organisation of programme {code}"

    def __init__(self, code: str, organisation: str) -> None:
        super().__init__(code=code, organisation=organisation)


class ProgrammeEndsBeforeStart(InvalidValue):
    template = "programme end on {ends_on} is before its start on {starts_on}"

    starts_on: date
    ends_on: date


class NegativeBudget(InvalidValue):
    template = "budget {budget} is negative"

    budget: Decimal


class AgeRangeInvalid(InvalidValue):
    template = "age range {min_age} to {max_age} is not a range between 0 and 120"

    min_age: int
    max_age: int


class SessionCapBelowOne(InvalidValue):
    template = "session cap {session_cap} is not at least 1"

    session_cap: int


# The Participant aggregate ------------------------------------------------------------


class ParticipantErasedError(DomainError):
    code = "participant_erased"
    template = "the participant's personal data was erased"


class BirthDateInFuture(DomainError):
    code = "date_in_future"
    template = "the birth date is after today ({today})"

    today: date


class UnknownFields(InvalidValue):
    template = "unknown participant fields: {fields}"

    fields: list[str]


# Enrolment ----------------------------------------------------------------------------


class OpenTrajectoryExists(DomainError):
    code = "open_trajectory_exists"
    template = (
        "the participant already has an open trajectory {trajectory_id} "
        "in programme {programme}"
    )

    programme: str
    trajectory_id: UUID


class NewerTrajectoryExists(DomainError):
    code = "newer_trajectory_exists"
    template = (
        "the participant has a newer trajectory {trajectory_id} in programme "
        "{programme}; reopen that one instead"
    )

    programme: str
    trajectory_id: UUID


# Participants: identity ---------------------------------------------------------------


class AlreadyRegistered(DomainError):
    """Someone registered already in the organisation's dossiers: the refusal names
    them by id (never by their details, which a log may keep)."""

    code = "already_registered"
    template = "the participant is registered already: {participant_ids}"

    participant_ids: list[UUID]


class NationalNumberRegistered(AlreadyRegistered):
    code = "national_number_registered"
    template = (
        "a participant with this national register number is registered already: "
        "{participant_ids}"
    )


class LikelyDuplicate(AlreadyRegistered):
    code = "likely_duplicate"
    template = (
        "a participant with the same name and birth date is registered already: "
        "{participant_ids}; if this is another person, confirm it "
        "(confirmed_new_person)"
    )
