"""The coaches of each organisation: who may be chosen for a trajectory. An admin
registers a coach (with or without a token) and records that one left."""

from __future__ import annotations

import functools
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter
from fastapi import Query
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.responses import RedirectResponse
from fastapi.responses import Response

from application.access import Role
from application.service import Trajectories
from domain.commands import CoachLeaves
from domain.commands import RegisterCoach
from interfaces.http.schemas.commands import CoachIn
from interfaces.http.schemas.commands import LeavingIn
from interfaces.web.forms import Choices
from interfaces.web.forms import form_of
from interfaces.web.pages.lists import organisations_of
from interfaces.web.posting import FRESH
from interfaces.web.posting import PostedForm
from interfaces.web.posting import Sent
from interfaces.web.posting import read_form
from interfaces.web.posting import submitted
from interfaces.web.session import PAGES
from interfaces.web.visit import AdminVisit
from interfaces.web.visit import CoachVisit
from interfaces.web.visit import Visit

router = APIRouter(prefix=PAGES)
COACH_FORM = form_of(RegisterCoach, "RegisterCoach")
LEAVING_FORM = form_of(CoachLeaves, "CoachLeaves")


def organisations(service: Trajectories) -> Choices:
    """The organisations that run a programme."""
    return Choices.of(organisations_of(service.programmes()))


def coaches(visit: Visit, sent: Sent = FRESH, *, done: str | None = None) -> Response:
    listed = visit.service.coaches_of(visit.caller.within)
    by_organisation: dict[str, list[object]] = {}
    for coach in listed:
        by_organisation.setdefault(coach.organisation, []).append(coach)
    return visit.form_page(
        "coaches.html",
        sent,
        COACH_FORM,
        {"organisation": organisations(visit.service)},
        here=visit.path_for("ui_coaches"),
        active="ui_coaches",
        by_organisation=by_organisation,
        may_change=visit.caller.role is Role.ADMIN,
        leaving_form=LEAVING_FORM,
        done=done,
    )


@router.get("/coaches", name="ui_coaches", response_class=HTMLResponse)
def coaches_page(
    visit: CoachVisit, done: Annotated[str | None, Query(max_length=200)] = None
) -> Response:
    return coaches(visit, done=done)


@router.post("/coaches", name="ui_register_coach", response_class=HTMLResponse)
def register_coach(visit: AdminVisit, form: PostedForm) -> Response:
    service = visit.service

    def attempt() -> Response:
        body = read_form(
            COACH_FORM, CoachIn, form, offered={"organisation": organisations(service)}
        )
        answer = service.register_coach(
            body.command(), recorded_by=visit.caller.name, key=visit.key(form)
        )
        return done_with(visit.request, answer.id)

    again = functools.partial(coaches, visit)
    return submitted(visit.texts, attempt, again, entered=form)


@router.post(
    "/coaches/{coach_id}/leave", name="ui_coach_leaves", response_class=HTMLResponse
)
def coach_leaves(coach_id: UUID, visit: AdminVisit, form: PostedForm) -> Response:
    def attempt() -> Response:
        body = read_form(LEAVING_FORM, LeavingIn, form)
        visit.service.coach_leaves(
            coach_id, body.command(), recorded_by=visit.caller.name, key=visit.key(form)
        )
        return done_with(visit.request, coach_id)

    # What was entered in one coach's row is not the register form's.
    again = functools.partial(coaches, visit)
    return submitted(visit.texts, attempt, again, entered=None)


def done_with(request: Request, coach_id: UUID) -> Response:
    """The coaches again, at the coach just saved."""
    target = request.app.url_path_for("ui_coaches")
    return RedirectResponse(f"{target}?done={coach_id}#c-{coach_id}", 303)
