from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from application.projections.outcomes.metrics import definitions
from application.projections.outcomes.queries import DIMENSIONS, OutcomeTable
from interfaces.http.deps import OutcomeReader, ViewsDep
from interfaces.http.errors import ERROR_RESPONSES, ErrorBody
from interfaces.http.schemas import OutcomeRowOut, OutcomesOut

router = APIRouter(prefix="/outcomes", tags=["views"])

CSV = "text/csv"


@router.get(
    "",
    response_model=OutcomesOut,
    responses={
        **ERROR_RESPONSES,
        200: {"content": {CSV: {}}, "description": "JSON, or CSV on Accept: text/csv"},
        503: {
            "model": ErrorBody,
            "description": "Too many replays (as_of, known_at) at once, or the "
            "database cannot be reached or is too busy; retry after the Retry-After "
            "seconds",
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
    _: OutcomeReader,
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
        date | None, Query(description="what had happened by this business date")
    ] = None,
    known_at: Annotated[
        datetime | None,
        Query(description="what the store held at this time (with a time zone)"),
    ] = None,
) -> OutcomesOut | Response:
    """Outcome figures per group; groups of fewer than 5 trajectories are
    suppressed. As of a date or as known at a time, the history is replayed."""
    table = views.outcome_table(
        [d for d in (part.strip() for part in group_by.split(",")) if d],
        cohort=cohort,
        cohort_by=cohort_by,
        as_of=as_of,
        known_at=known_at,
        suppress=True,
    )
    if CSV in request.headers.get("accept", ""):
        return Response(table.csv(), media_type=f"{CSV}; charset=utf-8")
    return outcomes_out(table)


def outcomes_out(table: OutcomeTable) -> OutcomesOut:
    query = table.query
    return OutcomesOut(
        group_by=list(query.group_by),
        cohort=query.cohort,
        cohort_by="intake" if query.cohort_by == "intake" else "referral",
        as_of=query.as_of,
        known_at=query.known_at,
        evaluated_on=query.evaluated_on,
        rows=[
            OutcomeRowOut(
                group=row.group, suppressed=row.suppressed, figures=row.figures
            )
            for row in table.rows
        ],
    )


@router.get("/definitions", response_model=dict[str, str], responses=ERROR_RESPONSES)
def metric_definitions(_: OutcomeReader) -> dict[str, str]:
    """What each figure means, as DOMAIN.md defines it."""
    return definitions()
