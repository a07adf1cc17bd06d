"""Every trajectory, whatever its stage (the caseload shows the open ones only):
filtered by stage, programme, organisation (for auditors) and referral dates."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter
from fastapi import Query
from fastapi.responses import HTMLResponse
from fastapi.responses import Response

from application.projections.caseload.queries import ALL_STAGES
from application.projections.caseload.queries import TrajectoryListQuery
from application.service import Trajectories
from domain.errors import InvalidValue
from domain.vocabulary import Stage
from interfaces.http.routes.trajectories import scoped
from interfaces.web.pages.lists import Filter
from interfaces.web.pages.lists import blank_is_none
from interfaces.web.pages.lists import organisations_of
from interfaces.web.pages.lists import page_links
from interfaces.web.pages.lists import pages_of
from interfaces.web.session import PAGES
from interfaces.web.visit import TrajectoryVisit

router = APIRouter(prefix=PAGES)
PAGE_SIZE = 50


def day_of(value: str | None) -> date | None:
    """A date filter as the form's date input sends it (yyyy-mm-dd); empty: none."""
    text = blank_is_none(value)
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidValue("a referral date is not a date such as 2024-02-01") from None


def names_of(service: Trajectories, ids: list[UUID]) -> dict[UUID, str]:
    """Each participant's name, opened many at a time (one query, not one a row):
    "erased" for an erased one, "unknown" for one who cannot be read."""
    opened = service.search.reader.open(ids)
    names = {}
    for participant_id in ids:
        participant = opened.get(participant_id)
        if participant is not None and participant.erased:
            names[participant_id] = "erased"
        elif participant is None or participant.birth_date is None:
            names[participant_id] = "unknown"
        else:
            names[participant_id] = (
                f"{participant.given_name} {participant.family_name}"
            )
    return names


@router.get("/trajectories", name="ui_trajectories", response_class=HTMLResponse)
def trajectories_page(
    visit: TrajectoryVisit,
    stage: Filter = None,
    programme: Filter = None,
    organisation: Filter = None,
    referred_from: Filter = None,
    referred_to: Filter = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    texts, caller, service = visit.texts, visit.caller, visit.service
    query = TrajectoryListQuery(
        stage=blank_is_none(stage),
        programme=blank_is_none(programme),
        organisation=scoped(caller, blank_is_none(organisation)),
        referred_from=day_of(referred_from),
        referred_to=day_of(referred_to),
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    total, rows = visit.views.trajectory_page(query)
    visit.record_read((row.participant_id for row in rows), "/trajectories")
    names = names_of(service, [row.participant_id for row in rows])
    programmes = service.programmes()
    return visit.render(
        "trajectories.html",
        active="ui_trajectories",
        rows=rows,
        names=names,
        total=total,
        query=query,
        page=page,
        pages=pages_of(total, PAGE_SIZE),
        stages=[(code, texts.code(Stage, code)) for code in ALL_STAGES],
        programmes=[(p.code, p.code) for p in programmes],
        organisations=organisations_of(programmes),
        all_organisations=caller.within is None,
        page_link=page_links(visit.request),
    )
