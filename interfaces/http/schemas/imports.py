"""An import's answers: how it goes, and what it stored and refused."""

from typing import Any
from typing import Literal
from uuid import UUID

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from pydantic import field_validator

from interfaces.http.schemas.base import response_example
from interfaces.records.report import Summary

IMPORT_ID = "0b7d3c4e-5f6a-4b8c-9d0e-1f2a3b4c5d6e"
PROBLEM_EXAMPLE: dict[str, Any] = {
    "trajectory": "BUSO-2024-017",
    "row": 3,
    "column": "on",
    "problem": "Intake on 2024-01-12 is before the referral on 2024-02-01",
    "code": "date_before_referral",
}
COUNTS_EXAMPLE = {"stored": 41, "extended": 2, "unchanged": 10, "refused": 1}
SUMMARY_EXAMPLE: dict[str, Any] = {
    "dry_run": True,
    "trajectories": COUNTS_EXAMPLE,
    "events": 1046,
    "participants_registered": 39,
    "coaches_registered": ["Mieke Janssens"],
    "problems": [PROBLEM_EXAMPLE],
}


class ImportProblem(BaseModel):
    trajectory: str = Field(description="the file's reference for the trajectory")
    row: int = Field(description="the row (the header is row 1), or a JSON line")
    column: str | None = Field(description="the column, if the problem is in one")
    problem: str = Field(description="what is wrong, in the report's language")
    code: str | None = Field(description="a domain rule's code, if one refused it")

    model_config = response_example(PROBLEM_EXAMPLE)


class ImportCounts(BaseModel):
    stored: int = Field(description="new trajectories")
    extended: int = Field(description="stored before, with rows added now")
    unchanged: int = Field(description="stored before with every row")
    refused: int = Field(description="refused whole: nothing of them stored")

    model_config = response_example(COUNTS_EXAMPLE)


class ImportSummaryOut(BaseModel):
    dry_run: bool = Field(description="true: nothing was stored")
    trajectories: ImportCounts
    events: int = Field(description="recorded (in a dry run: to be recorded)")
    participants_registered: int
    coaches_registered: list[str]
    problems: list[ImportProblem]

    model_config = response_example(SUMMARY_EXAMPLE)


class ImportOut(BaseModel):
    id: UUID
    state: Literal["waiting", "running", "done", "failed"]
    file_name: str
    dry_run: bool
    organisation: str | None = Field(
        description="the organisation of referral rows that name none"
    )
    trajectories: int = Field(description="in the file")
    done: int = Field(description="trajectories checked or imported so far")
    summary: ImportSummaryOut | None = Field(description="once done")
    failure: str | None = Field(description="why it failed, if it did")

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": IMPORT_ID,
                    "state": "done",
                    "file_name": "trajectories.xlsx",
                    "dry_run": True,
                    "organisation": "Werkburo Oost-Vlaanderen",
                    "trajectories": 54,
                    "done": 54,
                    "summary": SUMMARY_EXAMPLE,
                    "failure": None,
                }
            ]
        },
    )

    @field_validator("summary", mode="before")
    @classmethod
    def _summary(cls, value: object) -> object:
        return value.as_json() if isinstance(value, Summary) else value
