"""What staff and admins can record, as typed values: one frozen dataclass a command.

Each command is declared here once, in the model's words. The aggregates' command
methods take them; the HTTP request bodies and the pages' forms are derived from them
(``interfaces/``), so a field is never written out again. The metadata in a field's
``Annotated`` type tells an interface what the domain does not check itself: how long
a text may be, which values an input may take, and what a field means.

A command that records an event in an existing trajectory names that event
(``event_type``): ``CompleteIntake`` records ``IntakeCompleted``.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING
from typing import Annotated
from typing import Any
from typing import ClassVar
from typing import Literal
from typing import TypeAlias
from typing import get_args
from uuid import UUID

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
from domain.vocabulary import SuspensionReason

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

# Field metadata ----------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """Text of ``min_length`` to ``max_length`` characters (and, for an interface,
    without a NUL character, which a database text column cannot hold)."""

    max_length: int = 200
    min_length: int = 1
    pattern: str | None = None
    long: bool = False  # free text of several lines, such as a session's note


@dataclass(frozen=True)
class Bounds:
    """A number from ``ge`` to ``le`` (either may be open)."""

    ge: int | None = None
    le: int | None = None


@dataclass(frozen=True)
class Money:
    """An amount in euro with at most ``max_digits`` digits, ``decimal_places`` of
    them after the decimal point."""

    max_digits: int = 14
    decimal_places: int = 2


@dataclass(frozen=True)
class Items:
    """A list of ``min_length`` to ``max_length`` items."""

    max_length: int
    min_length: int = 0


@dataclass(frozen=True)
class Doc:
    """What the field means, for whoever fills it in."""

    text: str


@dataclass(frozen=True)
class Checked:
    """A limit the aggregate checks itself, refusing a value outside it with its own
    code (``refusal``): an interface shows it to whoever fills the field in, and
    leaves the check to the aggregate."""

    refusal: str
    ge: int | None = None
    le: int | None = None
    pattern: str | None = None


@dataclass(frozen=True)
class Refers:
    """The field names something that already exists: one of the trajectory's
    running placements or versions, a coach of its organisation, or (a group
    session's) trajectories."""

    to: Literal["placement", "version", "coach", "trajectory"]


Name = Annotated[str, Text()]
Reason = Annotated[str, Text()]
Note = Annotated[str, Text(max_length=10_000, min_length=0, long=True)]
Rung = Annotated[
    int,
    Doc("participation ladder rung, 1 to 6"),
    Checked("rung_out_of_range", ge=1, le=6),
]
Postcode = Annotated[
    str,
    Doc("Belgian postcode, 4 digits"),
    Checked("invalid_postcode", pattern=r"^[1-9][0-9]{3}$"),
]
Age = Annotated[int, Bounds(ge=0, le=120)]
Budget = Annotated[
    Decimal, Bounds(ge=0), Money(), Doc("the total for the whole programme")
]
NationalNumber = Annotated[
    str,
    Text(max_length=20, min_length=0),
    Doc(
        "11 digits, with or without dots, dashes or spaces (kept as the 11 digits); "
        "the first six are the birth date (YYMMDD, 00 for a month or day not known), "
        "the last two the check digits"
    ),
]
CoachId = Annotated[
    UUID,
    Refers("coach"),
    Doc("the coach: one of the organisation's coaches (GET /coaches)"),
]
Email = Annotated[str, Text(max_length=200, min_length=0)]
Phone = Annotated[str, Text(max_length=30, min_length=0)]


# Commands ----------------------------------------------------------------------------


class RecordsEvent:
    """A command that records one event, ``event_type``, in an existing trajectory."""

    event_type: ClassVar[str]


@dataclass(frozen=True, kw_only=True)
class DeclineReferral(RecordsEvent):
    """Declines the referral before the intake: the trajectory ends."""

    event_type = "ReferralDeclined"

    on: date
    reason: DeclineReason


@dataclass(frozen=True, kw_only=True)
class CompleteIntake(RecordsEvent):
    """Completes the intake: the coach takes the trajectory on and the entry
    profile is fixed."""

    event_type = "IntakeCompleted"

    on: date
    coach_id: CoachId
    rung: Rung
    labour_status: LabourStatus
    education_level: EducationLevel
    barriers: Annotated[list[Barrier], Items(max_length=len(Barrier))] = field(
        default_factory=list
    )
    disability: bool
    postcode: Postcode


@dataclass(frozen=True, kw_only=True)
class CorrectEntryProfile(RecordsEvent):
    """Corrects one field of the entry profile, saying why."""

    event_type = "EntryProfileCorrected"

    on: date
    field: ProfileField
    value: Annotated[object, Doc("the new value, typed as the field is")]
    reason: Reason


@dataclass(frozen=True, kw_only=True)
class AssignCoach(RecordsEvent):
    """Gives the trajectory another coach."""

    event_type = "CoachAssigned"

    on: date
    coach_id: CoachId


@dataclass(frozen=True, kw_only=True)
class AssessLadder(RecordsEvent):
    """Places the participant on a rung of the participation ladder."""

    event_type = "LadderAssessed"

    on: date
    rung: Rung


@dataclass(frozen=True, kw_only=True)
class IdentifyBarrier(RecordsEvent):
    """Notes a barrier to work the participant meets."""

    event_type = "BarrierIdentified"

    on: date
    barrier: Barrier


@dataclass(frozen=True, kw_only=True)
class ResolveBarrier(RecordsEvent):
    """Notes that an open barrier is resolved."""

    event_type = "BarrierResolved"

    on: date
    barrier: Barrier


@dataclass(frozen=True, kw_only=True)
class HoldSession(RecordsEvent):
    """Records a session held with the participant."""

    event_type = "SessionHeld"

    on: date
    minutes: int
    mode: SessionMode
    setting: SessionSetting
    note: Note = ""


@dataclass(frozen=True, kw_only=True)
class StartPlacement(RecordsEvent):
    """Starts a placement: a job, a work experience, an internship, a training."""

    event_type = "PlacementStarted"

    placement_id: Annotated[
        UUID | None, Doc("your id for the placement; one is made if absent")
    ] = None
    on: date
    placement_type: PlacementType
    employer: Name
    paid: bool
    hours_per_week: float


@dataclass(frozen=True, kw_only=True)
class EndPlacement(RecordsEvent):
    """Ends a running placement."""

    event_type = "PlacementEnded"

    placement_id: Annotated[UUID, Refers("placement")]
    on: date
    reason: PlacementEndReason


@dataclass(frozen=True, kw_only=True)
class Suspend(RecordsEvent):
    """Suspends the trajectory for a while."""

    event_type = "TrajectorySuspended"

    on: date
    reason: SuspensionReason


@dataclass(frozen=True, kw_only=True)
class Resume(RecordsEvent):
    """Resumes a suspended trajectory."""

    event_type = "TrajectoryResumed"

    on: date
    reason: SuspensionReason


@dataclass(frozen=True, kw_only=True)
class Complete(RecordsEvent):
    """Completes the trajectory, with where the participant goes."""

    event_type = "TrajectoryCompleted"

    on: date
    destination: Destination


@dataclass(frozen=True, kw_only=True)
class DropOut(RecordsEvent):
    """Ends the trajectory without its aim, with the reason."""

    event_type = "DroppedOut"

    on: date
    reason: DropoutReason


@dataclass(frozen=True, kw_only=True)
class RecordExitResult(RecordsEvent):
    """Records what the participant does just after the exit."""

    event_type = "ExitResultRecorded"

    observed_on: date
    status: ExitStatus


@dataclass(frozen=True, kw_only=True)
class RecordFollowUp(RecordsEvent):
    """Records what the participant does 6 or 12 months after the exit."""

    event_type = "FollowUpRecorded"

    milestone: Annotated[int, Doc("months after exit: 6 or 12")]
    observed_on: date
    status: ExitStatus


@dataclass(frozen=True, kw_only=True)
class Reopen(RecordsEvent):
    """Reopens an exited trajectory, within 90 days of the exit."""

    event_type = "TrajectoryReopened"

    on: date
    reason: Reason


@dataclass(frozen=True, kw_only=True)
class RetractEntry(RecordsEvent):
    """Marks an earlier event as entered in error: it no longer counts."""

    event_type = "EntryRetracted"

    on: date
    version: Annotated[
        int, Doc("the version of the event entered in error"), Refers("version")
    ]
    reason: Reason


# Every command that records an event in a trajectory, in the order a trajectory
# meets them.
TrajectoryCommand: TypeAlias = (
    DeclineReferral
    | CompleteIntake
    | CorrectEntryProfile
    | AssignCoach
    | AssessLadder
    | IdentifyBarrier
    | ResolveBarrier
    | HoldSession
    | StartPlacement
    | EndPlacement
    | Suspend
    | Resume
    | Complete
    | DropOut
    | RecordExitResult
    | RecordFollowUp
    | Reopen
    | RetractEntry
)
TRAJECTORY_COMMANDS: tuple[type[TrajectoryCommand], ...] = get_args(TrajectoryCommand)
COMMAND_FOR_EVENT: dict[str, type[TrajectoryCommand]] = {
    command.event_type: command for command in TRAJECTORY_COMMANDS
}


def values_of(command: DataclassInstance, **given: Any) -> dict[str, Any]:
    """The command's fields by name, with the values ``given`` instead or besides:
    what the event it records takes (``recorded_by=...``, say)."""
    values = {f.name: getattr(command, f.name) for f in fields(command)}
    return values | given


@dataclass(frozen=True, kw_only=True)
class Refer:
    """Receives a referral: a new trajectory for the participant in the programme."""

    participant_id: UUID
    programme: Name
    organisation: Name
    referral_source: ReferralSource
    on: date


@dataclass(frozen=True, kw_only=True)
class RegisterParticipant:
    """Registers a participant's personal data. Someone registered already in the
    organisation's dossiers is refused: the same national register number always,
    the same name and birth date unless ``confirmed_new_person`` says it is another
    person."""

    given_name: Name
    family_name: Name
    birth_date: date
    gender: Gender
    national_register_number: NationalNumber | None = None
    email: Email | None = None
    phone: Phone | None = None
    confirmed_new_person: Annotated[
        bool,
        Doc(
            "true: a participant with the same name and birth date is registered "
            "already, and this is another person (refused as likely_duplicate "
            "otherwise)"
        ),
    ] = False


@dataclass(frozen=True, kw_only=True)
class RegisterProgramme:
    """Registers a programme in the catalogue; its code is its key."""

    code: Annotated[str, Text(max_length=40, pattern=r"^[A-Z0-9_-]+$")]
    name: Name
    funder: Name
    organisations: Annotated[list[Name], Items(min_length=1, max_length=50)]
    starts_on: date
    ends_on: Annotated[
        date | None, Doc("the programme's last day; none for an ongoing programme")
    ] = None
    budget: Budget | None = None
    min_age: Age
    max_age: Age
    session_cap: Annotated[int, Bounds(ge=1, le=10_000)] | None = None


@dataclass(frozen=True, kw_only=True)
class ChangeProgrammePeriod:
    """Changes a programme's period from ``on``: extends it, closes it, or leaves it
    open-ended; with a new total budget when the funder granted one."""

    on: Annotated[date, Doc("the day the change was decided")]
    ends_on: Annotated[
        date | None, Doc("the programme's new last day; none for no end yet")
    ] = None
    reason: Reason
    budget: Budget | None = None


@dataclass(frozen=True, kw_only=True)
class RegisterCoach:
    """Registers a coach: a staff member of the organisation who guides
    trajectories, with or without a token to sign in."""

    name: Name
    organisation: Name


@dataclass(frozen=True, kw_only=True)
class CoachLeaves:
    """Records that a coach left the organisation: they are no longer chosen for a
    trajectory; the trajectories they guided keep their name."""

    on: date


GROUP_MODES = (SessionMode.GROUP, SessionMode.JOB_WORKSHOP, SessionMode.DIALOGUE_TABLE)
MAX_GROUP_SIZE = 60


@dataclass(frozen=True, kw_only=True)
class HoldGroupSession:
    """Records one group session (a job workshop, a dialogue table) held with
    several participants: each trajectory gets its session, all or none."""

    trajectory_ids: Annotated[
        list[UUID],
        Refers("trajectory"),
        Items(min_length=2, max_length=MAX_GROUP_SIZE),
        Doc("the trajectories of the participants who took part"),
    ]
    on: date
    minutes: int
    mode: Annotated[
        SessionMode, Doc("group, job_workshop or dialogue_table: not individual")
    ]
    setting: SessionSetting
    note: Annotated[
        str,
        Text(max_length=10_000, min_length=0, long=True),
        Doc("what the session was about; kept in each participant's session"),
    ] = ""
