"""Request and response bodies. Unknown fields are refused: a typo is never ignored."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from application.access import Role
from domain.vocabulary import (
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

Text = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(max_length=10_000)]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Programmes ---------------------------------------------------------------------------


class ProgrammeIn(Request):
    code: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Z0-9_-]+$")]
    name: Text
    funder: Text
    organisations: Annotated[list[Text], Field(min_length=1, max_length=50)]
    starts_on: date
    ends_on: date
    budget: Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)] | None = (
        None
    )
    min_age: Annotated[int, Field(ge=0, le=120)]
    max_age: Annotated[int, Field(ge=0, le=120)]
    session_cap: Annotated[int, Field(ge=1, le=10_000)] | None = None

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "BUSO-AALST",
                    "name": "Van BUSO naar begeleid werken",
                    "funder": "Vlaamse overheid",
                    "organisations": ["Werkburo Oost-Vlaanderen"],
                    "starts_on": "2023-04-01",
                    "ends_on": "2025-09-30",
                    "budget": "120000.00",
                    "min_age": 16,
                    "max_age": 25,
                    "session_cap": 36,
                }
            ]
        },
    )


class ProgrammeOut(BaseModel):
    id: UUID
    code: str
    name: str
    funder: str
    organisations: list[str]
    starts_on: date
    ends_on: date
    budget: Decimal | None
    min_age: int
    max_age: int
    session_cap: int | None


# Participants -------------------------------------------------------------------------


class ParticipantIn(Request):
    given_name: Text
    family_name: Text
    birth_date: date
    gender: Gender
    national_register_number: Annotated[str, Field(max_length=20)] | None = None
    email: Annotated[str, Field(max_length=200)] | None = None
    phone: Annotated[str, Field(max_length=30)] | None = None

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "given_name": "Lotte",
                    "family_name": "Claes",
                    "birth_date": "2005-03-14",
                    "gender": "F",
                    "email": "lotte.claes@example.org",
                }
            ]
        },
    )


class ParticipantOut(BaseModel):
    id: UUID
    version: int
    given_name: str
    family_name: str
    birth_date: date
    gender: Gender
    national_register_number: str | None
    email: str | None
    phone: str | None


# Trajectories -------------------------------------------------------------------------


class ReferralIn(Request):
    participant_id: UUID
    programme: Text
    organisation: Text
    referral_source: ReferralSource
    on: date

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "participant_id": "6f1c2a4e-8d1b-4c55-9a55-1b2f7d0c9e11",
                    "programme": "BUSO-AALST",
                    "organisation": "Werkburo Oost-Vlaanderen",
                    "referral_source": "school",
                    "on": "2024-02-01",
                }
            ]
        },
    )


class ReferralDeclinedIn(Request):
    type: Literal["ReferralDeclined"]
    on: date
    reason: DeclineReason


class IntakeCompletedIn(Request):
    type: Literal["IntakeCompleted"]
    on: date
    coach: Text
    rung: int = Field(description="participation ladder rung, 1 to 6")
    labour_status: LabourStatus
    education_level: EducationLevel
    barriers: Annotated[list[Barrier], Field(max_length=len(Barrier))] = []
    disability: bool
    postcode: Annotated[str, Field(description="Belgian postcode, 4 digits")]


class EntryProfileCorrectedIn(Request):
    type: Literal["EntryProfileCorrected"]
    on: date
    field: ProfileField
    value: Any = Field(description="the new value, typed as the field is")
    reason: Text


class CoachAssignedIn(Request):
    type: Literal["CoachAssigned"]
    on: date
    coach: Text


class LadderAssessedIn(Request):
    type: Literal["LadderAssessed"]
    on: date
    rung: int = Field(description="participation ladder rung, 1 to 6")


class BarrierIdentifiedIn(Request):
    type: Literal["BarrierIdentified"]
    on: date
    barrier: Barrier


class BarrierResolvedIn(Request):
    type: Literal["BarrierResolved"]
    on: date
    barrier: Barrier


class SessionHeldIn(Request):
    type: Literal["SessionHeld"]
    on: date
    minutes: int
    mode: SessionMode
    setting: SessionSetting
    note: LongText = ""


class PlacementStartedIn(Request):
    type: Literal["PlacementStarted"]
    placement_id: UUID | None = Field(
        default=None, description="your id for the placement; one is made if absent"
    )
    on: date
    placement_type: PlacementType
    employer: Text
    paid: bool
    hours_per_week: float


class PlacementEndedIn(Request):
    type: Literal["PlacementEnded"]
    placement_id: UUID
    on: date
    reason: PlacementEndReason


class TrajectorySuspendedIn(Request):
    type: Literal["TrajectorySuspended"]
    on: date
    reason: SuspensionReason


class TrajectoryResumedIn(Request):
    type: Literal["TrajectoryResumed"]
    on: date
    reason: SuspensionReason


class TrajectoryCompletedIn(Request):
    type: Literal["TrajectoryCompleted"]
    on: date
    destination: Destination


class DroppedOutIn(Request):
    type: Literal["DroppedOut"]
    on: date
    reason: DropoutReason


class ExitResultRecordedIn(Request):
    type: Literal["ExitResultRecorded"]
    observed_on: date
    status: ExitStatus


class FollowUpRecordedIn(Request):
    type: Literal["FollowUpRecorded"]
    milestone: int = Field(description="months after exit: 6 or 12")
    observed_on: date
    status: ExitStatus


class TrajectoryReopenedIn(Request):
    type: Literal["TrajectoryReopened"]
    on: date
    reason: Text


class EntryRetractedIn(Request):
    type: Literal["EntryRetracted"]
    on: date
    version: int = Field(description="the version of the event entered in error")
    reason: Text


EventIn = Annotated[
    ReferralDeclinedIn
    | IntakeCompletedIn
    | EntryProfileCorrectedIn
    | CoachAssignedIn
    | LadderAssessedIn
    | BarrierIdentifiedIn
    | BarrierResolvedIn
    | SessionHeldIn
    | PlacementStartedIn
    | PlacementEndedIn
    | TrajectorySuspendedIn
    | TrajectoryResumedIn
    | TrajectoryCompletedIn
    | DroppedOutIn
    | ExitResultRecordedIn
    | FollowUpRecordedIn
    | TrajectoryReopenedIn
    | EntryRetractedIn,
    Field(discriminator="type"),
]

EVENT_EXAMPLES: dict[str, dict[str, Any]] = {
    "IntakeCompleted": {
        "value": {
            "type": "IntakeCompleted",
            "on": "2024-02-12",
            "coach": "Hilde",
            "rung": 2,
            "labour_status": "unemployed",
            "education_level": "isced_0_2",
            "barriers": ["mobility", "confidence_motivation"],
            "disability": True,
            "postcode": "9300",
        }
    },
    "SessionHeld": {
        "value": {
            "type": "SessionHeld",
            "on": "2024-02-20",
            "minutes": 60,
            "mode": "individual",
            "setting": "workplace",
            "note": "visited the bakery together",
        }
    },
    "PlacementStarted": {
        "value": {
            "type": "PlacementStarted",
            "on": "2024-04-02",
            "placement_type": "regular_job_with_support",
            "employer": "Bakkerij De Smet",
            "paid": True,
            "hours_per_week": 19,
        }
    },
    "DroppedOut": {
        "value": {"type": "DroppedOut", "on": "2024-06-30", "reason": "lost_contact"}
    },
}


class EventRecorded(BaseModel):
    trajectory_id: UUID
    version: int
    type: str


class Created(BaseModel):
    id: UUID
    version: int


class PlacementOut(BaseModel):
    placement_id: UUID
    placement_type: PlacementType
    employer: str
    paid: bool
    hours_per_week: float
    started_on: date
    ended_on: date | None
    end_reason: PlacementEndReason | None
    competitive: bool


class TrajectoryOut(BaseModel):
    id: UUID
    version: int
    participant_id: UUID
    programme: str
    organisation: str
    referral_source: ReferralSource
    referred_on: date
    age_band: AgeBand
    gender: Gender
    stage: Stage
    declined_on: date | None
    decline_reason: DeclineReason | None
    intake_on: date | None
    coach: str | None
    rung_at_intake: int | None
    latest_rung: int | None
    labour_status: LabourStatus | None
    education_level: EducationLevel | None
    entry_barriers: list[Barrier]
    disability: bool | None
    postcode: str | None
    open_barriers: list[Barrier]
    sessions_held: int
    session_minutes: int
    last_contact_on: date | None
    placements: list[PlacementOut]
    suspended_on: date | None
    suspension_reason: SuspensionReason | None
    exit_on: date | None
    destination: Destination | None
    dropout_reason: DropoutReason | None
    exit_result: ExitStatus | None
    exit_result_on: date | None
    follow_ups: dict[str, ExitStatus]
    reopenings: int
    retracted_versions: list[int]


class HistoryEntryOut(BaseModel):
    version: int
    type: str
    business_date: date
    recorded_at: datetime
    recorded_by: str
    data: dict[str, Any]
    retracted: bool
    retracted_by: int | None = Field(
        description="the version of the EntryRetracted event that retracted this one"
    )


# Views --------------------------------------------------------------------------------


class PlacementSummaryOut(BaseModel):
    placement_id: UUID
    placement_type: PlacementType
    employer: str
    started_on: date
    hours_per_week: float
    paid: bool


class CaseloadEntryOut(BaseModel):
    trajectory_id: UUID
    participant_id: UUID
    participant_name: str = Field(description='"erased" where the person was erased')
    age_band: AgeBand
    programme: str
    organisation: str
    coach: str | None
    stage: Stage
    referred_on: date
    referral_source: ReferralSource
    days_waiting_for_intake: int | None = Field(
        description="days since the referral, while there is no intake"
    )
    intake_on: date | None
    last_contact_on: date | None
    days_since_contact: int | None
    alert: Literal["amber", "red", "exit_candidate"] | None = Field(
        description="amber after 30 days without contact, red after 60, exit "
        "candidate at 90"
    )
    open_barriers: list[Barrier]
    rung_at_intake: int | None
    latest_rung: int | None
    current_placement: PlacementSummaryOut | None = Field(
        description="the most recently started placement still running"
    )


class CoachTotalOut(BaseModel):
    coach: str | None = Field(description="null for referrals awaiting an intake")
    active: int
    suspended: int
    referred: int
    over_benchmark: bool = Field(
        description="more active trajectories than the fidelity benchmark"
    )


class CaseloadOut(BaseModel):
    evaluated_on: date
    total: int = Field(description="open trajectories matching the filters")
    benchmark: int = Field(description="at most this many active per coach")
    coaches: list[CoachTotalOut]
    entries: list[CaseloadEntryOut]


class OutcomeRowOut(BaseModel):
    group: dict[str, str | None] = Field(
        description="the value of each group_by dimension",
        examples=[{"programme": "WWB-ESF"}],
    )
    suppressed: bool = Field(
        description="fewer than 5 trajectories: every figure is withheld"
    )
    figures: dict[str, Any] = Field(
        description="every metric by name (see GET /outcomes/definitions); rates "
        "are fractions, null over an empty denominator"
    )


class OutcomesOut(BaseModel):
    group_by: list[str]
    cohort: str | None
    cohort_by: Literal["referral", "intake"]
    as_of: date | None
    known_at: datetime | None
    evaluated_on: date = Field(
        description="the date the 6-month follow-ups are counted against"
    )
    rows: list[OutcomeRowOut]


class ViewStatusOut(BaseModel):
    name: str
    generation: int = Field(description="the generation of tables now serving")
    position: int = Field(description="the last notification id the view processed")
    head: int = Field(description="the last notification id in the event log")
    lag: int = Field(description="head - position")
    rebuild: dict[str, Any] | None = Field(
        description="the last rebuild started by this server, if any"
    )


class RebuildStartedOut(BaseModel):
    name: str
    state: Literal["rebuilding"]


class TrajectorySummaryOut(BaseModel):
    id: UUID
    participant_id: UUID
    programme: str
    organisation: str
    stage: Stage
    coach: str | None
    referred_on: date
    intake_on: date | None
    exit_on: date | None


class TrajectoryListOut(BaseModel):
    total: int = Field(description="trajectories matching the filters")
    trajectories: list[TrajectorySummaryOut]


# Access tokens ----------------------------------------------------------------------


class TokenIn(Request):
    role: Role
    name: Text
    organisation: Text | None = None

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "role": "staff",
                    "name": "Hilde Maes (jobcoach)",
                    "organisation": "Werkburo Oost-Vlaanderen",
                },
                {"role": "evaluator", "name": "ESF+ evaluation 2025"},
            ]
        },
    )


class TokenOut(BaseModel):
    id: UUID
    name: str
    role: Role
    organisation: str | None
    created_at: datetime
    revoked_at: datetime | None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "2b7e1516-28ae-4d2a-a6ab-f7158809cf4f",
                    "name": "Hilde Maes (jobcoach)",
                    "role": "staff",
                    "organisation": "Werkburo Oost-Vlaanderen",
                    "created_at": "2026-11-23T09:30:00+00:00",
                    "revoked_at": None,
                }
            ]
        }
    )


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The secret: shown this once, stored only hashed")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "2b7e1516-28ae-4d2a-a6ab-f7158809cf4f",
                    "name": "Hilde Maes (jobcoach)",
                    "role": "staff",
                    "organisation": "Werkburo Oost-Vlaanderen",
                    "created_at": "2026-11-23T09:30:00+00:00",
                    "revoked_at": None,
                    "token": "trj_q0Yb3k1c9X2mPzL7w4T8v6RnJ5sH0aFfE1dC2bA3g4",
                }
            ]
        }
    )
