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

# No NUL in any text: PostgreSQL's text columns (views, tokens) cannot hold one, and a
# view must never meet an event it cannot store.
NO_NUL = r"^[^\x00]*$"
Text = Annotated[str, Field(min_length=1, max_length=200, pattern=NO_NUL)]
LongText = Annotated[str, Field(max_length=10_000, pattern=NO_NUL)]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


def request_example(*examples: dict[str, Any]) -> ConfigDict:
    """The config of a request model: unknown fields refused, and its examples."""
    return ConfigDict(extra="forbid", json_schema_extra={"examples": [*examples]})


def response_example(*examples: dict[str, Any]) -> ConfigDict:
    """The config of a response model: its examples."""
    return ConfigDict(json_schema_extra={"examples": [*examples]})


# The ids the examples share, so that they tell one story.
PROGRAMME_ID = "41960538-d379-51c9-81c9-1e830f6d784d"
PARTICIPANT_ID = "6f1c2a4e-8d1b-4c55-9a55-1b2f7d0c9e11"
TRAJECTORY_ID = "3f9c1e52-7a4b-4d2e-9b1a-5c8e2d7f6a10"
PLACEMENT_ID = "b4d7e8f1-2c3a-4e5b-8f6d-9a0b1c2d3e4f"


# Programmes ---------------------------------------------------------------------------


PROGRAMME_EXAMPLE: dict[str, Any] = {
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
        extra="forbid", json_schema_extra={"examples": [PROGRAMME_EXAMPLE]}
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

    model_config = response_example({"id": PROGRAMME_ID, **PROGRAMME_EXAMPLE})


# Participants -------------------------------------------------------------------------


class ParticipantIn(Request):
    given_name: Text
    family_name: Text
    birth_date: date
    gender: Gender
    national_register_number: (
        Annotated[str, Field(max_length=20, pattern=NO_NUL)] | None
    ) = None
    email: Annotated[str, Field(max_length=200, pattern=NO_NUL)] | None = None
    phone: Annotated[str, Field(max_length=30, pattern=NO_NUL)] | None = None

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


class ErasureOut(BaseModel):
    id: UUID
    version: int = Field(description="the participant's version with the erasure")
    erased_now: bool = Field(
        description="false when the participant had been erased already: nothing "
        "was recorded"
    )

    model_config = response_example(
        {"id": PARTICIPANT_ID, "version": 2, "erased_now": True}
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

    model_config = response_example(
        {
            "id": PARTICIPANT_ID,
            "version": 1,
            "given_name": "Lotte",
            "family_name": "Claes",
            "birth_date": "2005-03-14",
            "gender": "F",
            "national_register_number": None,
            "email": "lotte.claes@example.org",
            "phone": "+32 470 12 34 56",
        }
    )


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
                    "participant_id": PARTICIPANT_ID,
                    "programme": "BUSO-AALST",
                    "organisation": "Werkburo Oost-Vlaanderen",
                    "referral_source": "school",
                    "on": "2024-02-01",
                }
            ]
        },
    )


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


def event_example(type_: str, example: dict[str, Any] | None = None) -> ConfigDict:
    """The config of an event's request model: its example is the one of
    EVENT_EXAMPLES, where there is one."""
    if example is None:
        example = EVENT_EXAMPLES[type_]["value"]
    assert example["type"] == type_
    return request_example(example)


class ReferralDeclinedIn(Request):
    type: Literal["ReferralDeclined"]
    on: date
    reason: DeclineReason

    model_config = event_example(
        "ReferralDeclined",
        {"type": "ReferralDeclined", "on": "2024-02-08", "reason": "no_capacity"},
    )


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

    model_config = event_example("IntakeCompleted")


class EntryProfileCorrectedIn(Request):
    type: Literal["EntryProfileCorrected"]
    on: date
    field: ProfileField
    value: Any = Field(description="the new value, typed as the field is")
    reason: Text

    model_config = event_example(
        "EntryProfileCorrected",
        {
            "type": "EntryProfileCorrected",
            "on": "2024-02-26",
            "field": "postcode",
            "value": "9320",
            "reason": "lives in Erembodegem: the intake form had the Aalst postcode",
        },
    )


class CoachAssignedIn(Request):
    type: Literal["CoachAssigned"]
    on: date
    coach: Text

    model_config = event_example(
        "CoachAssigned", {"type": "CoachAssigned", "on": "2024-03-04", "coach": "Bram"}
    )


class LadderAssessedIn(Request):
    type: Literal["LadderAssessed"]
    on: date
    rung: int = Field(description="participation ladder rung, 1 to 6")

    model_config = event_example(
        "LadderAssessed", {"type": "LadderAssessed", "on": "2024-05-13", "rung": 4}
    )


class BarrierIdentifiedIn(Request):
    type: Literal["BarrierIdentified"]
    on: date
    barrier: Barrier

    model_config = event_example(
        "BarrierIdentified",
        {"type": "BarrierIdentified", "on": "2024-03-05", "barrier": "debt_income"},
    )


class BarrierResolvedIn(Request):
    type: Literal["BarrierResolved"]
    on: date
    barrier: Barrier

    model_config = event_example(
        "BarrierResolved",
        {"type": "BarrierResolved", "on": "2024-04-15", "barrier": "mobility"},
    )


class SessionHeldIn(Request):
    type: Literal["SessionHeld"]
    on: date
    minutes: int
    mode: SessionMode
    setting: SessionSetting
    note: LongText = ""

    model_config = event_example("SessionHeld")


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

    model_config = event_example("PlacementStarted")


class PlacementEndedIn(Request):
    type: Literal["PlacementEnded"]
    placement_id: UUID
    on: date
    reason: PlacementEndReason

    model_config = event_example(
        "PlacementEnded",
        {
            "type": "PlacementEnded",
            "placement_id": PLACEMENT_ID,
            "on": "2024-09-30",
            "reason": "converted_to_regular_contract",
        },
    )


class TrajectorySuspendedIn(Request):
    type: Literal["TrajectorySuspended"]
    on: date
    reason: SuspensionReason

    model_config = event_example(
        "TrajectorySuspended",
        {
            "type": "TrajectorySuspended",
            "on": "2024-05-21",
            "reason": "hospitalisation",
        },
    )


class TrajectoryResumedIn(Request):
    type: Literal["TrajectoryResumed"]
    on: date
    reason: SuspensionReason

    model_config = event_example(
        "TrajectoryResumed",
        {"type": "TrajectoryResumed", "on": "2024-06-17", "reason": "hospitalisation"},
    )


class TrajectoryCompletedIn(Request):
    type: Literal["TrajectoryCompleted"]
    on: date
    destination: Destination

    model_config = event_example(
        "TrajectoryCompleted",
        {"type": "TrajectoryCompleted", "on": "2024-09-30", "destination": "employed"},
    )


class DroppedOutIn(Request):
    type: Literal["DroppedOut"]
    on: date
    reason: DropoutReason

    model_config = event_example("DroppedOut")


class ExitResultRecordedIn(Request):
    type: Literal["ExitResultRecorded"]
    observed_on: date
    status: ExitStatus

    model_config = event_example(
        "ExitResultRecorded",
        {
            "type": "ExitResultRecorded",
            "observed_on": "2024-10-07",
            "status": "employed",
        },
    )


class FollowUpRecordedIn(Request):
    type: Literal["FollowUpRecorded"]
    milestone: int = Field(description="months after exit: 6 or 12")
    observed_on: date
    status: ExitStatus

    model_config = event_example(
        "FollowUpRecorded",
        {
            "type": "FollowUpRecorded",
            "milestone": 6,
            "observed_on": "2025-04-01",
            "status": "employed",
        },
    )


class TrajectoryReopenedIn(Request):
    type: Literal["TrajectoryReopened"]
    on: date
    reason: Text

    model_config = event_example(
        "TrajectoryReopened",
        {
            "type": "TrajectoryReopened",
            "on": "2024-11-18",
            "reason": "lost her job at the bakery and asked for support again",
        },
    )


class EntryRetractedIn(Request):
    type: Literal["EntryRetracted"]
    on: date
    version: int = Field(description="the version of the event entered in error")
    reason: Text

    model_config = event_example(
        "EntryRetracted",
        {
            "type": "EntryRetracted",
            "on": "2024-02-21",
            "version": 3,
            "reason": "the session was recorded on the wrong participant's trajectory",
        },
    )


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


class EventRecorded(BaseModel):
    trajectory_id: UUID
    version: int
    type: str

    model_config = response_example(
        {"trajectory_id": TRAJECTORY_ID, "version": 2, "type": "IntakeCompleted"}
    )


class Created(BaseModel):
    id: UUID
    version: int

    model_config = response_example({"id": TRAJECTORY_ID, "version": 1})


PLACEMENT_EXAMPLE: dict[str, Any] = {
    "placement_id": PLACEMENT_ID,
    "placement_type": "regular_job_with_support",
    "employer": "Bakkerij De Smet",
    "paid": True,
    "hours_per_week": 19.0,
    "started_on": "2024-04-02",
    "ended_on": None,
    "end_reason": None,
    "competitive": True,
}


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

    model_config = response_example(
        PLACEMENT_EXAMPLE,
        {
            **PLACEMENT_EXAMPLE,
            "placement_id": "5e0a7c3d-91b2-4f6e-a8d4-c27b3e9f0a61",
            "placement_type": "work_experience",
            "employer": "Kringwinkel Okazi Aalst",
            "paid": False,
            "hours_per_week": 12.0,
            "started_on": "2024-02-26",
            "ended_on": "2024-03-29",
            "end_reason": "contract_ended",
            "competitive": False,
        },
    )


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

    model_config = response_example(
        {
            "id": TRAJECTORY_ID,
            "version": 9,
            "participant_id": PARTICIPANT_ID,
            "programme": "BUSO-AALST",
            "organisation": "Werkburo Oost-Vlaanderen",
            "referral_source": "school",
            "referred_on": "2024-02-01",
            "age_band": "18-24",
            "gender": "F",
            "stage": "active",
            "declined_on": None,
            "decline_reason": None,
            "intake_on": "2024-02-12",
            "coach": "Hilde",
            "rung_at_intake": 2,
            "latest_rung": 4,
            "labour_status": "unemployed",
            "education_level": "isced_0_2",
            "entry_barriers": ["mobility", "confidence_motivation"],
            "disability": True,
            "postcode": "9300",
            "open_barriers": ["confidence_motivation", "debt_income"],
            "sessions_held": 3,
            "session_minutes": 165,
            "last_contact_on": "2024-04-23",
            "placements": [PLACEMENT_EXAMPLE],
            "suspended_on": None,
            "suspension_reason": None,
            "exit_on": None,
            "destination": None,
            "dropout_reason": None,
            "exit_result": None,
            "exit_result_on": None,
            "follow_ups": {},
            "reopenings": 0,
            "retracted_versions": [],
        }
    )


RETRACTED_SESSION_EXAMPLE = {
    "version": 3,
    "type": "SessionHeld",
    "business_date": "2024-02-20",
    "recorded_at": "2024-02-20T16:42:08.917350Z",
    "recorded_by": "Hilde",
    "data": {
        "on": "2024-02-20",
        "minutes": 60,
        "mode": "individual",
        "setting": "workplace",
        "note": "visited the bakery together",
    },
    "retracted": True,
    "retracted_by": 4,
}


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

    model_config = response_example(
        {
            "version": 2,
            "type": "IntakeCompleted",
            "business_date": "2024-02-12",
            "recorded_at": "2024-02-12T14:05:31.204518Z",
            "recorded_by": "Hilde",
            "data": {
                "on": "2024-02-12",
                "coach": "Hilde",
                "rung": 2,
                "labour_status": "unemployed",
                "education_level": "isced_0_2",
                "barriers": ["mobility", "confidence_motivation"],
                "disability": True,
                "postcode": "9300",
            },
            "retracted": False,
            "retracted_by": None,
        },
        RETRACTED_SESSION_EXAMPLE,
    )


class FieldChangeOut(BaseModel):
    field: str = Field(description="a field of the trajectory's state")
    before: Any = Field(description="its value at from_version, as the state shows it")
    after: Any = Field(description="its value at to_version")

    model_config = response_example(
        {"field": "sessions_held", "before": 0, "after": 1},
        {"field": "last_contact_on", "before": "2024-02-12", "after": "2024-02-20"},
    )


class TrajectoryDiffOut(BaseModel):
    from_version: int
    to_version: int
    changes: list[FieldChangeOut] = Field(
        description="each field whose value differs, in the order the state lists them"
    )
    events: list[HistoryEntryOut] = Field(
        description="the events after from_version up to and including to_version, "
        "retracted ones marked as in the history"
    )

    model_config = response_example(
        {
            "from_version": 2,
            "to_version": 3,
            "changes": [
                {"field": "sessions_held", "before": 0, "after": 1},
                {"field": "session_minutes", "before": 0, "after": 60},
                {
                    "field": "last_contact_on",
                    "before": "2024-02-12",
                    "after": "2024-02-20",
                },
            ],
            "events": [RETRACTED_SESSION_EXAMPLE],
        },
        {
            "from_version": 3,
            "to_version": 4,
            "changes": [
                {"field": "sessions_held", "before": 1, "after": 0},
                {"field": "session_minutes", "before": 60, "after": 0},
                {
                    "field": "last_contact_on",
                    "before": "2024-02-20",
                    "after": "2024-02-12",
                },
                {"field": "retracted_versions", "before": [], "after": [3]},
            ],
            "events": [
                {
                    "version": 4,
                    "type": "EntryRetracted",
                    "business_date": "2024-02-21",
                    "recorded_at": "2024-02-21T09:12:44.031876Z",
                    "recorded_by": "Hilde",
                    "data": {
                        "on": "2024-02-21",
                        "version": 3,
                        "reason": "the session was recorded on the wrong "
                        "participant's trajectory",
                    },
                    "retracted": False,
                    "retracted_by": None,
                }
            ],
        },
    )


# Views --------------------------------------------------------------------------------


PLACEMENT_SUMMARY_EXAMPLE: dict[str, Any] = {
    "placement_id": PLACEMENT_ID,
    "placement_type": "regular_job_with_support",
    "employer": "Bakkerij De Smet",
    "started_on": "2024-04-02",
    "hours_per_week": 19.0,
    "paid": True,
}


class PlacementSummaryOut(BaseModel):
    placement_id: UUID
    placement_type: PlacementType
    employer: str
    started_on: date
    hours_per_week: float
    paid: bool

    model_config = response_example(PLACEMENT_SUMMARY_EXAMPLE)


CASELOAD_ENTRY_EXAMPLES: list[dict[str, Any]] = [
    {
        "trajectory_id": TRAJECTORY_ID,
        "participant_id": PARTICIPANT_ID,
        "participant_name": "Lotte Claes",
        "age_band": "18-24",
        "programme": "BUSO-AALST",
        "organisation": "Werkburo Oost-Vlaanderen",
        "coach": "Hilde",
        "stage": "active",
        "referred_on": "2024-02-01",
        "referral_source": "school",
        "days_waiting_for_intake": None,
        "intake_on": "2024-02-12",
        "last_contact_on": "2024-04-23",
        "days_since_contact": 22,
        "alert": None,
        "open_barriers": ["confidence_motivation", "debt_income"],
        "rung_at_intake": 2,
        "latest_rung": 4,
        "current_placement": PLACEMENT_SUMMARY_EXAMPLE,
    },
    {
        "trajectory_id": "9a2d4b6f-0c1e-4f3a-b5d7-e8f9a0b1c2d3",
        "participant_id": "c7e5a3b1-9f2d-4e6c-8a0b-1d3f5e7a9c2b",
        "participant_name": "Jonas Van den Broeck",
        "age_band": "<18",
        "programme": "BUSO-AALST",
        "organisation": "Werkburo Oost-Vlaanderen",
        "coach": None,
        "stage": "referred",
        "referred_on": "2024-05-02",
        "referral_source": "clb",
        "days_waiting_for_intake": 13,
        "intake_on": None,
        "last_contact_on": None,
        "days_since_contact": None,
        "alert": None,
        "open_barriers": [],
        "rung_at_intake": None,
        "latest_rung": None,
        "current_placement": None,
    },
]


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

    model_config = response_example(*CASELOAD_ENTRY_EXAMPLES)


COACH_TOTAL_EXAMPLES: list[dict[str, Any]] = [
    {
        "coach": "Hilde",
        "active": 1,
        "suspended": 0,
        "referred": 0,
        "over_benchmark": False,
    },
    {
        "coach": None,
        "active": 0,
        "suspended": 0,
        "referred": 1,
        "over_benchmark": False,
    },
]


class CoachTotalOut(BaseModel):
    coach: str | None = Field(description="null for referrals awaiting an intake")
    active: int
    suspended: int
    referred: int
    over_benchmark: bool = Field(
        description="more active trajectories than the fidelity benchmark"
    )

    model_config = response_example(*COACH_TOTAL_EXAMPLES)


class CaseloadOut(BaseModel):
    evaluated_on: date
    total: int = Field(description="open trajectories matching the filters")
    benchmark: int = Field(description="at most this many active per coach")
    coaches: list[CoachTotalOut]
    entries: list[CaseloadEntryOut]

    model_config = response_example(
        {
            "evaluated_on": "2024-05-15",
            "total": 2,
            "benchmark": 20,
            "coaches": COACH_TOTAL_EXAMPLES,
            "entries": CASELOAD_ENTRY_EXAMPLES,
        }
    )


OUTCOME_ROW_EXAMPLES: list[dict[str, Any]] = [
    {
        "group": {"programme": "BUSO-AALST"},
        "suppressed": False,
        "figures": {
            "referrals": 48,
            "intakes": 42,
            "placed": 27,
            "competitive_employment": 18,
            "exits": 30,
            "dropouts": 9,
            "employed_on_leaving": 15,
            "exit_result_unknown": 3,
            "sustained_due": 19,
            "sustained_employment_6m": 11,
            "sustained_unknown_6m": 2,
            "ladder_up": 24,
            "ladder_mean_change": 0.88,
            "dropout_rate_by_reason": {
                "lost_contact": 0.1333,
                "withdrew": 0.0667,
                "physical_health": 0.0,
                "mental_health": 0.0667,
                "addiction": 0.0,
                "care_duties": 0.0,
                "moved": 0.0333,
                "detention": 0.0,
                "needs_not_met": 0.0,
                "ineligible_after_intake": 0.0,
                "programme_ended": 0.0,
                "non_compliance": 0.0,
                "deceased": 0.0,
                "other": 0.0,
            },
            "median_days_to_intake": 12.0,
            "median_days_to_first_placement": 64.5,
            "intake_rate": 0.875,
            "placement_rate": 0.6429,
            "competitive_employment_rate": 0.4286,
            "still_unplaced_share": 0.3571,
            "dropout_rate": 0.3,
            "employed_on_leaving_rate": 0.5,
            "exit_result_unknown_share": 0.1,
            "sustained_employment_6m_rate": 0.5789,
            "sustained_unknown_6m_share": 0.1053,
            "ladder_up_share": 0.5714,
            "cost_per_participant": 2857.14,
            "cost_per_placement": 4444.44,
        },
    },
    {"group": {"programme": "WWB-ESF"}, "suppressed": True, "figures": {}},
]


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

    model_config = response_example(*OUTCOME_ROW_EXAMPLES)


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

    model_config = response_example(
        {
            "group_by": ["programme"],
            "cohort": None,
            "cohort_by": "referral",
            "as_of": None,
            "known_at": None,
            "evaluated_on": "2024-12-31",
            "rows": OUTCOME_ROW_EXAMPLES,
        }
    )


class ViewStatusOut(BaseModel):
    name: str
    generation: int = Field(description="the generation of tables now serving")
    position: int = Field(description="the last notification id the view processed")
    head: int = Field(description="the last notification id in the event log")
    lag: int = Field(description="head - position")
    rebuild: dict[str, Any] | None = Field(
        description="the last rebuild started by this server, if any"
    )

    model_config = response_example(
        {
            "name": "caseload",
            "generation": 2,
            "position": 18342,
            "head": 18342,
            "lag": 0,
            "rebuild": {
                "state": "done",
                "started_at": "2024-06-03T07:12:40.118204Z",
                "finished_at": "2024-06-03T07:12:42.301977Z",
                "events": 18297,
                "events_per_second": 8379,
                "error": None,
            },
        },
        {
            "name": "outcomes",
            "generation": 1,
            "position": 18339,
            "head": 18342,
            "lag": 3,
            "rebuild": None,
        },
    )


class RebuildStartedOut(BaseModel):
    name: str
    state: Literal["rebuilding"]

    model_config = response_example({"name": "caseload", "state": "rebuilding"})


TRAJECTORY_SUMMARY_EXAMPLE: dict[str, Any] = {
    "id": TRAJECTORY_ID,
    "participant_id": PARTICIPANT_ID,
    "programme": "BUSO-AALST",
    "organisation": "Werkburo Oost-Vlaanderen",
    "stage": "completed",
    "coach": "Hilde",
    "referred_on": "2024-02-01",
    "intake_on": "2024-02-12",
    "exit_on": "2024-09-30",
}


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

    model_config = response_example(TRAJECTORY_SUMMARY_EXAMPLE)


class TrajectoryListOut(BaseModel):
    total: int = Field(description="trajectories matching the filters")
    trajectories: list[TrajectorySummaryOut]

    model_config = response_example(
        {"total": 37, "trajectories": [TRAJECTORY_SUMMARY_EXAMPLE]}
    )


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


TOKEN_EXAMPLE: dict[str, Any] = {
    "id": "2b7e1516-28ae-4d2a-a6ab-f7158809cf4f",
    "name": "Hilde Maes (jobcoach)",
    "role": "staff",
    "organisation": "Werkburo Oost-Vlaanderen",
    "created_at": "2026-11-23T09:30:00+00:00",
    "revoked_at": None,
}


class TokenOut(BaseModel):
    id: UUID
    name: str
    role: Role
    organisation: str | None
    created_at: datetime
    revoked_at: datetime | None

    model_config = ConfigDict(json_schema_extra={"examples": [TOKEN_EXAMPLE]})


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The secret: shown this once, stored only hashed")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **TOKEN_EXAMPLE,
                    "token": "trj_q0Yb3k1c9X2mPzL7w4T8v6RnJ5sH0aFfE1dC2bA3g4",
                }
            ]
        }
    )


# The access log -----------------------------------------------------------------------


ACCESS_ENTRY_EXAMPLES: list[dict[str, Any]] = [
    {
        "id": 1811,
        "at": "2026-11-24T08:41:07.312905Z",
        "token_id": TOKEN_EXAMPLE["id"],
        "name": TOKEN_EXAMPLE["name"],
        "role": "staff",
        "organisation": "Werkburo Oost-Vlaanderen",
        "participant_id": PARTICIPANT_ID,
        "route": "GET /participants/{participant_id}",
    },
    {
        "id": 1812,
        "at": "2026-11-24T10:02:55.080117Z",
        "token_id": "9c0d4b7a-5e21-4f3b-8a6c-2d1e0f9b8a73",
        "name": "Inspectie WSE",
        "role": "auditor",
        "organisation": None,
        "participant_id": PARTICIPANT_ID,
        "route": "GET /trajectories/{trajectory_id}/history",
    },
]


class AccessEntryOut(BaseModel):
    id: int = Field(description="increases in the order the entries were recorded")
    at: datetime
    token_id: UUID
    name: str = Field(description="the name of the token that read")
    role: Role
    organisation: str | None = Field(description="a staff member's organisation")
    participant_id: UUID = Field(description="whose personal data was read")
    route: str = Field(description="the route that answered the data, as declared")

    model_config = response_example(*ACCESS_ENTRY_EXAMPLES)


class AccessLogOut(BaseModel):
    entries: list[AccessEntryOut] = Field(description="oldest first")
    next_after: int | None = Field(
        description="`after` for the next page; null on the last page"
    )

    model_config = response_example(
        {"entries": ACCESS_ENTRY_EXAMPLES, "next_after": 1812},
        {"entries": [], "next_after": None},
    )


SEAL_EXAMPLE = "104233:5d0c2b7e9a41f3c68e2d7b5a9c1f0e3d4b6a8c2e7f9d1b3a5c7e9f0a2b4d6c8e"
BROKEN_LINK_EXAMPLE = {
    "aggregate_id": TRAJECTORY_ID,
    "version": 4,
    "kind": "altered",
    "message": "version 4 does not match its link: the stored event, or one before "
    "it, was changed",
    "expected": "9f2c4e51d0b7a3c8e6f1d2b4a5c7e9f0a1b3c5d7e9f1a2b4c6d8e0f2a4b6c8d0",
    "found": "3a1c5e7f9b2d4f6a8c0e2b4d6f8a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5a",
}


class BrokenLinkOut(BaseModel):
    aggregate_id: UUID = Field(description="the history (aggregate) that is broken")
    version: int = Field(description="the first version whose link does not hold")
    kind: Literal[
        "altered", "deleted", "unchained", "truncated", "reordered", "snapshot"
    ] = Field(
        description="altered: the event differs from its link; deleted: a version "
        "is missing; unchained: an event no link or head covers; truncated: the "
        "chain's head is beyond the last stored event; reordered: the log has the "
        "versions out of order; snapshot: a snapshot differs from the state "
        "replayed from the events"
    )
    message: str
    expected: str | None = Field(
        description="the hash the chain recorded (hex), where there is one"
    )
    found: str | None = Field(
        description="the hash of the event as stored now (hex), where there is one"
    )

    model_config = response_example(BROKEN_LINK_EXAMPLE)


class VerificationOut(BaseModel):
    intact: bool = Field(description="every chain holds")
    events: int = Field(description="stored events checked")
    aggregates: int = Field(description="histories (aggregates) checked")
    position: int = Field(description="the last log position covered")
    snapshotted: int = Field(
        description="histories whose snapshots were checked against a replay"
    )
    seal: str = Field(
        description="POSITION:DIGEST of the store as read: keep it with the audit "
        "report, and pass it as `seal` later to check that moment still holds"
    )
    kept_seal: str | None = Field(description="the seal given as `seal`, if any")
    kept_seal_holds: bool | None = Field(
        description="whether the store as of the kept seal's position still gives it"
    )
    seconds: float
    broken_aggregates: int = Field(description="histories with a broken chain")
    first_broken: BrokenLinkOut | None = Field(
        description="the first broken link of the first broken history"
    )
    broken: list[BrokenLinkOut] = Field(
        description="the first broken link of each broken history (up to 1,000)"
    )

    model_config = response_example(
        {
            "intact": True,
            "events": 104_233,
            "aggregates": 10_412,
            "position": 104_233,
            "snapshotted": 212,
            "seal": SEAL_EXAMPLE,
            "kept_seal": None,
            "kept_seal_holds": None,
            "seconds": 1.42,
            "broken_aggregates": 0,
            "first_broken": None,
            "broken": [],
        },
        {
            "intact": False,
            "events": 104_232,
            "aggregates": 10_412,
            "position": 104_233,
            "snapshotted": 212,
            "seal": SEAL_EXAMPLE,
            "kept_seal": "98012:0a1b2c3d4e5f60718293a4b5c6d7e8f9"
            "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
            "kept_seal_holds": False,
            "seconds": 1.40,
            "broken_aggregates": 1,
            "first_broken": BROKEN_LINK_EXAMPLE,
            "broken": [BROKEN_LINK_EXAMPLE],
        },
    )
