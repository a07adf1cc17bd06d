"""A coach's to-do list."""

from datetime import date
from typing import Any
from typing import Literal
from uuid import UUID

from pydantic import BaseModel
from pydantic import Field

from interfaces.http.schemas.base import PARTICIPANT_ID
from interfaces.http.schemas.base import TRAJECTORY_ID
from interfaces.http.schemas.base import response_example
from interfaces.http.schemas.trajectories import EventType

TODO_ITEM_EXAMPLE: dict[str, Any] = {
    "kind": "exit_result",
    "milestone": None,
    "trajectory_id": TRAJECTORY_ID,
    "participant_id": PARTICIPANT_ID,
    "participant_name": "Lotte Claes",
    "programme": "BUSO-AALST",
    "organisation": "Werkburo Oost-Vlaanderen",
    "coach": "Hilde Claes",
    "since": "2024-06-28",
    "opens_on": "2024-06-28",
    "closes_on": "2024-07-26",
    "days_left": 18,
    "coming_up": False,
    "record": "ExitResultRecorded",
}


class TodoItemOut(BaseModel):
    kind: Literal["exit_result", "follow_up", "intake", "contact"] = Field(
        description="exit_result: due within 28 days of the exit; follow_up: within "
        "30 days of the exit plus 6 or 12 months; intake: a referral waiting (norm: "
        "30 days); contact: over 30 days without contact (exit candidate at 90)"
    )
    milestone: int | None = Field(description="a follow-up's 6 or 12 months")
    trajectory_id: UUID
    participant_id: UUID
    participant_name: str = Field(description='"erased" where the person was erased')
    programme: str
    organisation: str
    coach: str | None
    since: date = Field(description="the exit, referral or last contact")
    opens_on: date
    closes_on: date = Field(description="the last day it can be recorded on time")
    days_left: int = Field(description="to the closing day; negative once it closed")
    coming_up: bool = Field(description="its window opens after the day")
    record: EventType = Field(
        description="the event type to record, at POST /trajectories/{id}/events"
    )

    model_config = response_example(TODO_ITEM_EXAMPLE)


class TodoOut(BaseModel):
    evaluated_on: date
    items: list[TodoItemOut] = Field(description="the most urgent first")

    model_config = response_example(
        {
            "evaluated_on": "2024-07-08",
            "items": [TODO_ITEM_EXAMPLE],
        }
    )
