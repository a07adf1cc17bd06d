"""Access tokens and the access log."""

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field

from application.access import Role
from interfaces.http.schemas.base import PARTICIPANT_ID
from interfaces.http.schemas.base import Request
from interfaces.http.schemas.base import Text
from interfaces.http.schemas.base import response_example

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
