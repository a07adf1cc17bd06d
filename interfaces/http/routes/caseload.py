from typing import Annotated

from fastapi import APIRouter, Query

from application.projections.caseload.queries import (
    ALERTS,
    CASELOAD_STAGES,
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_OFFSET,
    CaseloadPage,
    CaseloadQuery,
)
from interfaces.http.deps import NO_NUL, Reader, RecordRead, ViewsDep
from interfaces.http.errors import ERROR_RESPONSES
from interfaces.http.routes.trajectories import scoped
from interfaces.http.schemas import CaseloadEntryOut, CaseloadOut, CoachTotalOut

router = APIRouter(prefix="/caseload", tags=["views"])


@router.get("", response_model=CaseloadOut, responses=ERROR_RESPONSES)
def caseload(
    views: ViewsDep,
    caller: Reader,
    record_read: RecordRead,
    coach: Annotated[str | None, Query(max_length=200, pattern=NO_NUL)] = None,
    stage: Annotated[
        str | None, Query(description=f"one of {', '.join(CASELOAD_STAGES)}")
    ] = None,
    programme: Annotated[str | None, Query(max_length=50, pattern=NO_NUL)] = None,
    organisation: Annotated[str | None, Query(max_length=200, pattern=NO_NUL)] = None,
    alert: Annotated[
        str | None, Query(description=f"one of {', '.join(ALERTS)}")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> CaseloadOut:
    """Open trajectories (referred, active, suspended) with contact alerts, and the
    active count per coach against the benchmark of 20 (staff see their own
    organisation's). Each participant on the page is recorded in the access log."""
    query = CaseloadQuery(
        coach=coach,
        stage=stage,
        programme=programme,
        organisation=scoped(caller, organisation),
        alert=alert,
        limit=limit,
        offset=offset,
    )
    page = views.caseload_page(query)
    record_read(entry.participant_id for entry in page.entries)
    return caseload_out(page)


def caseload_out(page: CaseloadPage) -> CaseloadOut:
    return CaseloadOut(
        evaluated_on=page.evaluated_on,
        total=page.total,
        benchmark=page.benchmark,
        coaches=[
            CoachTotalOut(**vars(total), over_benchmark=total.over_benchmark)
            for total in page.coaches
        ],
        entries=[CaseloadEntryOut.model_validate(vars(e)) for e in page.entries],
    )
