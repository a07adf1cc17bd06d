"""What the outcomes page and its downloads are asked for, in their query."""

# No ``from __future__ import annotations``: FastAPI reads the dependencies' fields
# from their signatures, as objects.

from dataclasses import dataclass
from datetime import date
from typing import Annotated
from typing import Literal

from fastapi import Query

from application.projections.outcomes.queries import DIMENSIONS
from domain.calendar import today
from domain.errors import DateInFuture

Dimension = Annotated[
    str, Query(description=f"one of {', '.join(DIMENSIONS)}", max_length=40)
]
AsOf = Annotated[date | None, Query(description="what had happened by this date")]
CohortBy = Annotated[Literal["referral", "intake"], Query()]
Period = Annotated[Literal["quarter", "year"], Query()]
Last = Annotated[Literal["4", "8", "12", "20", "40", "all"], Query()]
ReportProgramme = Annotated[str, Query(min_length=1, max_length=100)]
ReportPeriod = Annotated[
    str, Query(min_length=4, max_length=30, description="2025, 2025Q1")
]


def check_as_of(as_of: date | None) -> None:
    """A date still to come is refused in the page's words (the application's own
    refusal of it is a message for the API, in English)."""
    if as_of is not None and as_of > today():
        raise DateInFuture(AS_OF, as_of, today())


AS_OF = "the as-of date"  # translated in refusals.po, as the aggregates' phrases


@dataclass(frozen=True)
class TableAsked:
    """The page's tables: grouped by a dimension, cohorts by referral or intake, as
    of a date."""

    group_by: Dimension = "programme"
    as_of: AsOf = None
    cohort_by: CohortBy = "referral"

    def __post_init__(self) -> None:
        check_as_of(self.as_of)


@dataclass(frozen=True)
class ReportAsked:
    """The funder's report of a programme and period, as of a date."""

    programme: ReportProgramme
    period: ReportPeriod
    as_of: AsOf = None

    def __post_init__(self) -> None:
        check_as_of(self.as_of)
