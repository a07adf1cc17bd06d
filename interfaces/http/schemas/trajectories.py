"""A trajectory's state, history and diff, and the answers to its writes."""

import dataclasses
import typing
from datetime import date
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING
from typing import Annotated
from typing import Any
from typing import Literal
from uuid import UUID

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from pydantic import RootModel
from pydantic import create_model

from domain.commands import TRAJECTORY_COMMANDS
from domain.trajectory import Trajectory
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
from domain.vocabulary import ReferralSource
from domain.vocabulary import Stage
from domain.vocabulary import SuspensionReason
from interfaces.http.schemas.base import COACH_ID
from interfaces.http.schemas.base import PARTICIPANT_ID
from interfaces.http.schemas.base import PLACEMENT_ID
from interfaces.http.schemas.base import TRAJECTORY_ID
from interfaces.http.schemas.base import response_example
from interfaces.http.schemas.commands import EVENT_BODY_EXAMPLES
from interfaces.http.schemas.commands import REFERRAL_EXAMPLE

# Every type of event a trajectory's history holds: the referral that opens it, and
# each one a command records.
EVENT_TYPES = ("ReferralReceived", *(c.event_type for c in TRAJECTORY_COMMANDS))

if TYPE_CHECKING:
    EventType = str
else:
    EventType = StrEnum("EventType", {name: name for name in EVENT_TYPES})
    EventType.__doc__ = "The type of an event in a trajectory's history."


class EventRecorded(BaseModel):
    trajectory_id: UUID
    version: int
    type: EventType

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
    coach_id: UUID | None
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
            "coach": "Hilde Claes",
            "coach_id": COACH_ID,
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


# What a history entry's data holds of its event: every field but the bookkeeping.
NOT_DATA = frozenset(
    {"originator_id", "originator_version", "timestamp", "originator_topic"}
    | {"recorded_by"}
)
# Each event's data as an example: its body's example, and what the event adds.
DATA_EXAMPLES: dict[str, dict[str, Any]] = {
    kind: {k: v for k, v in example.items() if k != "type"}
    for kind, example in EVENT_BODY_EXAMPLES.items()
} | {
    "ReferralReceived": {
        **REFERRAL_EXAMPLE,
        "age_band": "18-24",
        "gender": "F",
    }
}
DATA_EXAMPLES["IntakeCompleted"]["coach"] = "Hilde Claes"
DATA_EXAMPLES["CoachAssigned"]["coach"] = "Bram Peeters"
DATA_EXAMPLES["SessionHeld"]["group_session_id"] = None
DATA_EXAMPLES["PlacementStarted"]["placement_id"] = PLACEMENT_ID


def _entry_example(kind: str, version: int, **overrides: Any) -> dict[str, Any]:
    data = DATA_EXAMPLES[kind]
    on = data.get("on", data.get("observed_on"))
    return {
        "version": version,
        "type": kind,
        "business_date": on,
        "recorded_at": f"{on}T14:05:31.204518Z",
        "recorded_by": "Hilde",
        "data": data,
        "retracted": False,
        "retracted_by": None,
        **overrides,
    }


RETRACTED_SESSION_EXAMPLE = _entry_example(
    "SessionHeld", 3, retracted=True, retracted_by=4
)


class HistoryEntryFields(BaseModel):
    """What every history entry holds; ``data`` is its event's own fields."""

    version: int
    type: EventType
    business_date: date = Field(
        description="the event's business date: on, or observed_on; else the day it "
        "was recorded"
    )
    recorded_at: datetime
    recorded_by: str
    data: dict[str, Any]
    retracted: bool
    retracted_by: int | None = Field(
        description="the version of the EntryRetracted event that retracted this one"
    )


def _event_data(kind: str) -> type[BaseModel]:
    """The data of a history entry of type ``kind``: the fields of its stored
    event, typed as the event declares them. Free text reads "erased" once the
    participant is erased; a field the schema does not know yet is kept."""
    event = getattr(Trajectory, kind)
    hints = typing.get_type_hints(event)
    fields: dict[str, Any] = {}
    for field in dataclasses.fields(event):
        if field.name in NOT_DATA:
            continue
        default = field.default if field.default is not dataclasses.MISSING else ...
        fields[field.name] = (hints[field.name], default)
    config = ConfigDict(
        extra="allow", json_schema_extra={"examples": [DATA_EXAMPLES[kind]]}
    )
    model: type[BaseModel] = create_model(
        f"{kind}Data", __config__=config, __module__=__name__, **fields
    )
    return model


def _history_entry(kind: str, version: int) -> type[HistoryEntryFields]:
    data = _event_data(kind)
    of_kind: Any = Literal[kind]
    model: type[HistoryEntryFields] = create_model(
        f"{kind}Entry",
        __base__=HistoryEntryFields,
        __module__=__name__,
        type=(of_kind, ...),
        data=(data, ...),
    )
    model.model_config["json_schema_extra"] = {
        "examples": [_entry_example(kind, version)]
    }
    model.model_rebuild(force=True)
    return model


# One entry model per event type, each with its event's data: the history is a list
# of them, told apart by ``type``.
HISTORY_ENTRIES: dict[str, type[HistoryEntryFields]] = {
    kind: _history_entry(kind, version)
    for version, kind in enumerate(EVENT_TYPES, start=1)
}
EVENT_DATA: dict[str, type[BaseModel]] = {
    kind: entry.model_fields["data"].annotation  # type: ignore[misc]
    for kind, entry in HISTORY_ENTRIES.items()
}


class HistoryEntryOut(
    RootModel[  # type: ignore[misc]
        Annotated[
            typing.Union[tuple(HISTORY_ENTRIES.values())],  # noqa: UP007
            Field(discriminator="type"),
        ]
    ]
):
    """One stored event of a trajectory's history, as its ``type`` says."""

    @classmethod
    def of(cls, entry: Any) -> "HistoryEntryOut":
        """The entry of a history entry read by the application."""
        answer: HistoryEntryOut = cls.model_validate(
            {
                "version": entry.version,
                "type": entry.type,
                "business_date": entry.business_date,
                "recorded_at": entry.recorded_at,
                "recorded_by": entry.recorded_by,
                "data": entry.data,
                "retracted": entry.retracted,
                "retracted_by": entry.retracted_by,
            }
        )
        return answer


class FieldChangeOut(BaseModel):
    field: str = Field(description="a field of the trajectory's state")
    before: Any = Field(description="its value at from_version, as the state shows it")
    after: Any = Field(description="its value at to_version")

    model_config = response_example(
        {"field": "sessions_held", "before": 0, "after": 1},
        {"field": "last_contact_on", "before": "2024-02-12", "after": "2024-02-20"},
    )


# What recording a session changes, and its retraction changes back.
SESSION_CHANGES: list[dict[str, Any]] = [
    {"field": "sessions_held", "before": 0, "after": 1},
    {"field": "session_minutes", "before": 0, "after": 60},
    {"field": "last_contact_on", "before": "2024-02-12", "after": "2024-02-20"},
]
SESSION_UNDONE = [
    {**change, "before": change["after"], "after": change["before"]}
    for change in SESSION_CHANGES
]


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
            "changes": SESSION_CHANGES,
            "events": [RETRACTED_SESSION_EXAMPLE],
        },
        {
            "from_version": 3,
            "to_version": 4,
            "changes": [
                *SESSION_UNDONE,
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


TRAJECTORY_SUMMARY_EXAMPLE: dict[str, Any] = {
    "id": TRAJECTORY_ID,
    "participant_id": PARTICIPANT_ID,
    "programme": "BUSO-AALST",
    "organisation": "Werkburo Oost-Vlaanderen",
    "stage": "completed",
    "coach": "Hilde Claes",
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
