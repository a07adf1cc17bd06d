"""The caseload: a coach's open trajectories and what to act on."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter
from fastapi import Query
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.responses import Response

from application.projections.caseload.queries import ALERTS
from application.projections.caseload.queries import BENCHMARK
from application.projections.caseload.queries import CASELOAD_STAGES
from application.projections.caseload.queries import CaseloadQuery
from domain.errors import InvalidValue
from domain.vocabulary import Stage
from interfaces.http.deps import Service
from interfaces.http.deps import ViewsDep
from interfaces.http.routes.trajectories import scoped
from interfaces.web.pages.lists import Filter
from interfaces.web.pages.lists import blank_is_none
from interfaces.web.pages.lists import coaches_to_choose
from interfaces.web.pages.lists import organisations_of
from interfaces.web.pages.lists import page_links
from interfaces.web.pages.lists import pages_of
from interfaces.web.render import ALERT_FILTERS
from interfaces.web.render import render
from interfaces.web.session import PAGES
from interfaces.web.session import CaseloadReader
from interfaces.web.session import PageTexts

router = APIRouter(prefix=PAGES)

PAGE_SIZE = 50


@router.get("/caseload", name="ui_caseload", response_class=HTMLResponse)
def caseload_page(
    request: Request,
    texts: PageTexts,
    caller: CaseloadReader,
    views: ViewsDep,
    service: Service,
    coach: Filter = None,
    coach_id: Filter = None,
    stage: Filter = None,
    programme: Filter = None,
    organisation: Filter = None,
    alert: Filter = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    chosen = blank_is_none(coach_id)
    try:
        coach_uuid = UUID(chosen) if chosen else None
    except ValueError:
        raise InvalidValue(f"coach_id {chosen!r} is not a coach's id") from None
    query = CaseloadQuery(
        coach=blank_is_none(coach),
        coach_id=coach_uuid,
        stage=blank_is_none(stage),
        programme=blank_is_none(programme),
        organisation=scoped(caller, blank_is_none(organisation)),
        alert=blank_is_none(alert),
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    caseload = views.caseload_page(query)
    service.access_log.record(
        caller,
        (entry.participant_id for entry in caseload.entries),
        route=f"GET {PAGES}/caseload",
    )
    return render(
        request,
        "caseload.html",
        texts,
        caller,
        active="ui_caseload",
        caseload=caseload,
        query=query,
        page=page,
        pages=pages_of(caseload.total, PAGE_SIZE),
        stages=[(stage, texts.code(Stage, stage)) for stage in CASELOAD_STAGES],
        alerts=[(alert, texts.gettext(ALERT_FILTERS[alert])) for alert in ALERTS],
        benchmark=BENCHMARK,
        programmes=[(p.code, p.code) for p in service.programmes()],
        coaches=coaches_to_choose(service, caller, query.organisation),
        organisations=organisations_of(service.programmes()),
        all_organisations=caller.within is None,
        page_link=page_links(request),
    )
