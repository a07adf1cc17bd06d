"""A participant's personal data, the participants a search finds with their
trajectories, and an erasure's answer."""

from datetime import date
from uuid import UUID

from pydantic import BaseModel
from pydantic import Field

from application.search import MAX_CANDIDATES
from domain.vocabulary import Gender
from domain.vocabulary import Stage
from interfaces.http.schemas.base import PARTICIPANT_ID
from interfaces.http.schemas.base import TRAJECTORY_ID
from interfaces.http.schemas.base import response_example


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


TRAJECTORY_OF_EXAMPLE = {
    "id": TRAJECTORY_ID,
    "programme": "BUSO-AALST",
    "organisation": "Werkburo Oost-Vlaanderen",
    "stage": "completed",
    "referred_on": "2024-02-01",
    "intake_on": "2024-02-12",
    "exit_on": "2024-09-30",
}
FOUND_EXAMPLE = {
    "id": PARTICIPANT_ID,
    "given_name": "Lotte",
    "family_name": "Claes",
    "birth_date": "2005-03-14",
    "gender": "F",
    "national_register_number": "05031412397",
    "organisation": "Werkburo Oost-Vlaanderen",
    "trajectories": [TRAJECTORY_OF_EXAMPLE],
}


class ParticipantTrajectoryOut(BaseModel):
    """One of the participant's trajectories, open or ended."""

    id: UUID
    programme: str
    organisation: str
    stage: Stage
    referred_on: date
    intake_on: date | None
    exit_on: date | None

    model_config = response_example(TRAJECTORY_OF_EXAMPLE)


class ParticipantFoundOut(BaseModel):
    id: UUID
    given_name: str
    family_name: str
    birth_date: date
    gender: Gender
    national_register_number: str | None = Field(
        description="as it was stored: 11 digits, or as typed before numbers were "
        "kept as digits"
    )
    organisation: str | None = Field(
        description="the organisation whose dossiers hold the participant"
    )
    trajectories: list[ParticipantTrajectoryOut] = Field(
        description="every trajectory of the participant, open and ended, oldest "
        "referral first"
    )

    model_config = response_example(FOUND_EXAMPLE)


class ParticipantSearchOut(BaseModel):
    total: int = Field(
        description="participants found (of those the search opened; see complete)"
    )
    complete: bool = Field(
        description="false when more participants matched than a search opens "
        f"({MAX_CANDIDATES}): add more of the name or a birth date"
    )
    participants: list[ParticipantFoundOut] = Field(
        description="this page of them, by family name, given name and birth date"
    )

    model_config = response_example(
        {"total": 1, "complete": True, "participants": [FOUND_EXAMPLE]}
    )
