from datetime import date
from datetime import datetime
from typing import Annotated
from typing import Literal

from fastapi import APIRouter
from fastapi import Query
from fastapi import Request
from fastapi import Response

from application.projections.outcomes.metrics import definitions
from application.projections.outcomes.queries import DIMENSIONS
from application.projections.outcomes.queries import OutcomeTable
from interfaces.http.deps import NO_NUL
from interfaces.http.deps import OutcomeReader
from interfaces.http.deps import ViewsDep
from interfaces.http.openapi import ERRORS
from interfaces.http.openapi import READ
from interfaces.http.openapi import RETRY_AFTER
from interfaces.http.schemas.base import answer_of
from interfaces.http.schemas.views import OutcomesOut

router = APIRouter(prefix="/outcomes", tags=["views"])

CSV = "text/csv"


@router.get(
    "",
    response_model=OutcomesOut,
    responses={
        **READ,
        200: {
            "content": {CSV: {"schema": {"type": "string"}}},
            "description": "JSON, or CSV on Accept: text/csv",
        },
        503: {
            "model": ERRORS[503]["model"],
            "headers": {"Retry-After": RETRY_AFTER},
            "description": "Too many replays (as_of, known_at) at once, a month's "
            "release being built by another server, or the database cannot be "
            "reached or is too busy; retry after the Retry-After seconds",
            "content": {
                "application/json": {
                    "example": {
                        "detail": {
                            "code": "replays_busy",
                            "message": "2 replays of the history (as_of, known_at) "
                            "are running already; retry in a few seconds",
                        }
                    }
                }
            },
        },
    },
)
def outcomes(
    request: Request,
    views: ViewsDep,
    caller: OutcomeReader,
    group_by: Annotated[
        str,
        Query(
            description=f"comma-separated, of: {', '.join(DIMENSIONS)}",
            examples=["programme,cohort"],
            max_length=200,
        ),
    ] = "",
    cohort: Annotated[
        str | None, Query(description="only this quarter, e.g. 2024Q1", max_length=6)
    ] = None,
    cohort_by: Annotated[
        Literal["referral", "intake"],
        Query(description="the quarter of the referral or of the intake"),
    ] = "referral",
    as_of: Annotated[
        date | None,
        Query(
            description="what had happened by this business date; evaluators: the "
            "last day of a month that has ended (by default the last one)"
        ),
    ] = None,
    known_at: Annotated[
        datetime | None,
        Query(
            description="what the store held at this time (with a time zone); not "
            "for evaluators"
        ),
    ] = None,
    organisation: Annotated[
        str | None,
        Query(
            description="only this organisation's trajectories (staff: their own "
            "always)",
            max_length=200,
            pattern=NO_NUL,
        ),
    ] = None,
) -> OutcomesOut | Response:
    """Outcome figures per group: every figure for auditors and admins, staff's of
    their own organisation's trajectories; evaluators' under disclosure control, as
    of a month's end. As of a date or as known at a time, the history is
    replayed."""
    table = views.outcome_table(
        [d for d in (part.strip() for part in group_by.split(",")) if d],
        cohort=cohort,
        cohort_by=cohort_by,
        as_of=as_of,
        known_at=known_at,
        organisation=organisation,
        reader=caller,
    )
    if CSV in request.headers.get("accept", ""):
        return Response(table.csv(), media_type=f"{CSV}; charset=utf-8")
    return outcomes_out(table)


def outcomes_out(table: OutcomeTable) -> OutcomesOut:
    query = table.query
    return answer_of(
        OutcomesOut,
        query,
        cohort_by="intake" if query.cohort_by == "intake" else "referral",
        disclosure_control=query.suppress,
        release=table.release,
        rows=table.rows,
    )


@router.get("/definitions", response_model=dict[str, str], responses=READ)
def metric_definitions(_: OutcomeReader) -> dict[str, str]:
    """What each figure means, as DOMAIN.md defines it."""
    return definitions()
