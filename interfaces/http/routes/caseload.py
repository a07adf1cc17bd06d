from typing import Annotated
from uuid import UUID

from fastapi import APIRouter
from fastapi import Query

from application.projections.caseload.queries import ALERTS
from application.projections.caseload.queries import CASELOAD_STAGES
from application.projections.caseload.queries import DEFAULT_LIMIT
from application.projections.caseload.queries import MAX_LIMIT
from application.projections.caseload.queries import MAX_OFFSET
from application.projections.caseload.queries import CaseloadPage
from application.projections.caseload.queries import CaseloadQuery
from interfaces.http.deps import CoachFilter
from interfaces.http.deps import OrganisationFilter
from interfaces.http.deps import ProgrammeFilter
from interfaces.http.deps import Reader
from interfaces.http.deps import RecordRead
from interfaces.http.deps import ViewsDep
from interfaces.http.openapi import READ
from interfaces.http.routes.trajectories import scoped
from interfaces.http.schemas.views import CaseloadOut

router = APIRouter(prefix="/caseload", tags=["views"])


@router.get("", response_model=CaseloadOut, responses=READ)
def caseload(
    views: ViewsDep,
    caller: Reader,
    record_read: RecordRead,
    coach: CoachFilter = None,
    coach_id: Annotated[UUID | None, Query(description="a coach's id")] = None,
    stage: Annotated[
        str | None, Query(description=f"one of {', '.join(CASELOAD_STAGES)}")
    ] = None,
    programme: ProgrammeFilter = None,
    organisation: OrganisationFilter = None,
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
        coach_id=coach_id,
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
    return CaseloadOut.model_validate(page, from_attributes=True)
