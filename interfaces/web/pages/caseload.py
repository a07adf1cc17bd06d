"""The caseload: a coach's open trajectories and what to act on."""

from typing import Annotated

from fastapi import APIRouter
from fastapi import Query
from fastapi.responses import HTMLResponse
from fastapi.responses import Response

from application.projections.caseload.queries import ALERTS
from application.projections.caseload.queries import BENCHMARK
from application.projections.caseload.queries import CASELOAD_STAGES
from application.projections.caseload.queries import CaseloadQuery
from domain.vocabulary import Stage
from interfaces.http.routes.trajectories import scoped
from interfaces.web.pages.lists import Filter
from interfaces.web.pages.lists import blank_is_none
from interfaces.web.pages.lists import coach_id_of
from interfaces.web.pages.lists import coaches_to_choose
from interfaces.web.pages.lists import organisations_of
from interfaces.web.pages.lists import page_links
from interfaces.web.pages.lists import pages_of
from interfaces.web.render import ALERT_FILTERS
from interfaces.web.session import PAGES
from interfaces.web.visit import TrajectoryVisit

router = APIRouter(prefix=PAGES)

PAGE_SIZE = 50


@router.get("/caseload", name="ui_caseload", response_class=HTMLResponse)
def caseload_page(
    visit: TrajectoryVisit,
    coach: Filter = None,
    coach_id: Filter = None,
    stage: Filter = None,
    programme: Filter = None,
    organisation: Filter = None,
    alert: Filter = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    texts, caller, service = visit.texts, visit.caller, visit.service
    query = CaseloadQuery(
        coach=blank_is_none(coach),
        coach_id=coach_id_of(blank_is_none(coach_id)),
        stage=blank_is_none(stage),
        programme=blank_is_none(programme),
        organisation=scoped(caller, blank_is_none(organisation)),
        alert=blank_is_none(alert),
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    caseload = visit.views.caseload_page(query)
    visit.record_read((entry.participant_id for entry in caseload.entries), "/caseload")
    return visit.render(
        "caseload.html",
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
        page_link=page_links(visit.request),
    )
