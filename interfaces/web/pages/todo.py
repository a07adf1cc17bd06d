"""A coach's to-do list: what must be recorded before its window closes, each with
the form that records it."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter
from fastapi import Query
from fastapi.responses import HTMLResponse
from fastapi.responses import Response

from application.access import Caller
from application.errors import CoachNotFound
from application.projections.caseload.todo import KINDS
from application.projections.caseload.todo import TodoQuery
from application.service import Trajectories
from domain.coach import Coach
from interfaces.http.routes.todo import RECORDS
from interfaces.web.i18n import N_
from interfaces.web.pages.lists import Filter
from interfaces.web.pages.lists import blank_is_none
from interfaces.web.pages.lists import coach_id_of
from interfaces.web.pages.lists import coaches_to_choose
from interfaces.web.session import PAGES
from interfaces.web.visit import TrajectoryVisit

router = APIRouter(prefix=PAGES)

KIND_TEXTS = {
    "exit_result": N_("Exit result due"),
    "follow_up": N_("Follow-up due"),
    "intake": N_("Intake waiting"),
    "contact": N_("Contact overdue"),
}
ACTION_TEXTS = {
    "exit_result": N_("Record the exit result"),
    "follow_up": N_("Record the follow-up"),
    "intake": N_("Record the intake"),
    "contact": N_("Record a session"),
}
EVERYONE = "all"


def own_coach(service: Trajectories, caller: Caller) -> str | None:
    """The signed-in staff member's own coach id, if they are one of the coaches."""
    if caller.within is None:
        return None
    coach_id = Coach.id_for(caller.within, caller.name)
    try:
        service.coach(coach_id, caller.within)
    except CoachNotFound:
        return None
    return str(coach_id)


@router.get("/todo", name="ui_todo", response_class=HTMLResponse)
def todo_page(
    visit: TrajectoryVisit,
    on: Annotated[date | None, Query()] = None,
    coach_id: Filter = None,
    kind: Filter = None,
) -> Response:
    """The caller's own items by default (a coach's), or every coach's."""
    texts, caller, service = visit.texts, visit.caller, visit.service
    chosen = blank_is_none(coach_id) or own_coach(service, caller) or EVERYONE
    coach = None if chosen == EVERYONE else coach_id_of(chosen)
    query = TodoQuery(
        on=on, organisation=caller.within, coach_id=coach, kind=blank_is_none(kind)
    )
    listed = visit.views.todo(query)
    visit.record_read((i.participant_id for i in listed.items), "/todo")
    return visit.render(
        "todo.html",
        active="ui_todo",
        listed=listed,
        chosen=chosen,
        kind=query.kind,
        coaches=[(EVERYONE, texts.gettext("Every coach"))]
        + coaches_to_choose(service, caller, caller.within),
        kinds=[(k, texts.gettext(KIND_TEXTS[k])) for k in KINDS],
        KIND_TEXTS=KIND_TEXTS,
        ACTION_TEXTS=ACTION_TEXTS,
        RECORDS=RECORDS,
    )
