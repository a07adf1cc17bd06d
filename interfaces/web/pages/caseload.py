"""The caseload: a coach's open trajectories and what to act on."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from application.projections.caseload.queries import (
    ALERTS,
    BENCHMARK,
    CASELOAD_STAGES,
    CaseloadQuery,
)
from interfaces.http.deps import NO_NUL, Service, ViewsDep
from interfaces.http.routes.trajectories import scoped
from interfaces.web.render import render
from interfaces.web.session import PAGES, CaseloadReader, PageTexts

router = APIRouter(prefix=PAGES)

PAGE_SIZE = 50

Filter = Annotated[str | None, Query(max_length=200, pattern=NO_NUL)]


def blank_is_none(value: str | None) -> str | None:
    """A filter left empty in the form means no filter."""
    return value.strip() or None if value is not None else None


@router.get("/caseload", name="ui_caseload", response_class=HTMLResponse)
def caseload_page(
    request: Request,
    texts: PageTexts,
    caller: CaseloadReader,
    views: ViewsDep,
    service: Service,
    coach: Filter = None,
    stage: Filter = None,
    programme: Filter = None,
    alert: Filter = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    query = CaseloadQuery(
        coach=blank_is_none(coach),
        stage=blank_is_none(stage),
        programme=blank_is_none(programme),
        organisation=scoped(caller, None),
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
    pages = max(1, -(-caseload.total // PAGE_SIZE))
    return render(
        request,
        "caseload.html",
        texts,
        caller,
        active="ui_caseload",
        caseload=caseload,
        query=query,
        page=page,
        pages=pages,
        stages=CASELOAD_STAGES,
        alerts=ALERTS,
        benchmark=BENCHMARK,
        programmes=[p.code for p in service.programmes()],
        page_link=lambda n: "?" + urlencode({**request.query_params, "page": n}),
    )
