"""The programme catalogue's answers."""

from datetime import date
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel
from pydantic import Field

from interfaces.http.schemas.base import PROGRAMME_ID
from interfaces.http.schemas.base import response_example
from interfaces.http.schemas.commands import PROGRAMME_EXAMPLE


class PeriodOut(BaseModel):
    since: date | None = Field(
        description="the day the change was decided; null: as registered"
    )
    ends_on: date | None = Field(description="the last day; null: no end yet")
    budget: Decimal | None = Field(
        description="the programme's total budget in euro from that day on; null: "
        "none known"
    )

    model_config = response_example(
        {"since": "2025-06-12", "ends_on": "2026-06-30", "budget": "160000.00"}
    )


class ProgrammeOut(BaseModel):
    id: UUID
    code: str
    name: str
    funder: str
    organisations: list[str]
    starts_on: date
    ends_on: date | None = Field(
        description="the programme's last day as it stands; null: ongoing"
    )
    budget: Decimal | None
    min_age: int
    max_age: int
    session_cap: int | None
    periods: list[PeriodOut] = Field(
        description="the end date and total budget as registered, then as each "
        "change set them from the day it was decided: a referral is checked "
        "against the end date that stood on its date, a cost figure as of a date "
        "uses the budget that stood on it"
    )

    model_config = response_example(
        {
            "id": PROGRAMME_ID,
            **PROGRAMME_EXAMPLE,
            "ends_on": "2026-06-30",
            "budget": "160000.00",
            "periods": [
                {"since": None, "ends_on": "2025-09-30", "budget": "120000.00"},
                {"since": "2025-06-12", "ends_on": "2026-06-30", "budget": "160000.00"},
            ],
        }
    )
