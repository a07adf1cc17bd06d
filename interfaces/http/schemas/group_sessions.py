"""A group session's answer."""

from datetime import date
from uuid import UUID

from pydantic import BaseModel
from pydantic import Field

from domain.vocabulary import SessionMode
from domain.vocabulary import SessionSetting
from interfaces.http.schemas.base import TRAJECTORY_ID
from interfaces.http.schemas.base import response_example


class MemberOut(BaseModel):
    trajectory_id: UUID
    version: int = Field(description="the trajectory's version now (its ETag)")

    model_config = response_example({"trajectory_id": TRAJECTORY_ID, "version": 7})


class GroupSessionOut(BaseModel):
    id: UUID
    on: date
    minutes: int
    mode: SessionMode
    setting: SessionSetting
    organisation: str
    recorded_by: str
    members: list[MemberOut] = Field(
        description="each participant's trajectory, which holds the session with "
        "this group's id (its note sealed with the participant's key)"
    )

    model_config = response_example(
        {
            "id": "0b7c9e2a-4d6f-4a8b-9c1d-2e3f4a5b6c7d",
            "on": "2024-03-05",
            "minutes": 120,
            "mode": "job_workshop",
            "setting": "office",
            "organisation": "Werkburo Oost-Vlaanderen",
            "recorded_by": "Hilde",
            "members": [
                {"trajectory_id": TRAJECTORY_ID, "version": 7},
                {"trajectory_id": "9a2d4b6f-0c1e-4f3a-b5d7-e8f9a0b1c2d3", "version": 4},
            ],
        }
    )
