"""The coaches' answers."""

from datetime import date
from uuid import UUID

from pydantic import BaseModel
from pydantic import Field

from interfaces.http.schemas.base import COACH_ID
from interfaces.http.schemas.base import response_example


class CoachOut(BaseModel):
    id: UUID
    name: str
    organisation: str
    active: bool = Field(description="still with the organisation: may be chosen")
    left_on: date | None = Field(description="the day they left; null: still there")

    model_config = response_example(
        {
            "id": COACH_ID,
            "name": "Hilde Claes",
            "organisation": "Werkburo Oost-Vlaanderen",
            "active": True,
            "left_on": None,
        }
    )
