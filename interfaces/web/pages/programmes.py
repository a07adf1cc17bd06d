"""The programme catalogue: every programme with its period and budget, and for an
admin the form that extends or closes a programme's period."""

from __future__ import annotations

import functools
from typing import Annotated

from fastapi import APIRouter
from fastapi import Query
from fastapi.responses import HTMLResponse
from fastapi.responses import RedirectResponse
from fastapi.responses import Response

from application.access import Role
from domain.calendar import today
from domain.commands import ChangeProgrammePeriod
from interfaces.http.schemas.commands import PeriodIn
from interfaces.web.forms import form_of
from interfaces.web.posting import ANY_KEY
from interfaces.web.posting import FRESH
from interfaces.web.posting import PostedForm
from interfaces.web.posting import Sent
from interfaces.web.posting import read_form
from interfaces.web.posting import submitted
from interfaces.web.session import PAGES
from interfaces.web.visit import AdminVisit
from interfaces.web.visit import ProgrammeVisit
from interfaces.web.visit import Visit

router = APIRouter(prefix=PAGES)
PERIOD_FORM = form_of(ChangeProgrammePeriod, "ChangeProgrammePeriod")


@router.get("/programmes", name="ui_programmes", response_class=HTMLResponse)
def programmes_page(visit: ProgrammeVisit) -> Response:
    return visit.render(
        "programmes.html",
        active="ui_programmes",
        programmes=visit.service.programmes(),
        today=today(),
    )


def programme(
    visit: Visit, code: str, sent: Sent = FRESH, *, changed: bool = False
) -> Response:
    shown = visit.service.programme(code)
    return visit.form_page(
        "programme.html",
        sent,
        PERIOD_FORM,
        {},
        here=visit.path_for("ui_programme", code=code),
        active="ui_programmes",
        programme=shown,
        may_change=visit.caller.role is Role.ADMIN,
        changed=changed,
    )


@router.get("/programmes/{code}", name="ui_programme", response_class=HTMLResponse)
def programme_page(
    code: str, visit: ProgrammeVisit, changed: Annotated[bool, Query()] = False
) -> Response:
    return programme(visit, code, changed=changed)


@router.post(
    "/programmes/{code}/period", name="ui_change_period", response_class=HTMLResponse
)
def change_period(code: str, visit: AdminVisit, form: PostedForm) -> Response:
    def attempt() -> Response:
        body = read_form(PERIOD_FORM, PeriodIn, form)
        visit.service.change_programme_period(
            code,
            body.command(),
            recorded_by=visit.caller.name,
            key=visit.key(form, ANY_KEY),
        )
        target = visit.path_for("ui_programme", code=code)
        return RedirectResponse(f"{target}?changed=true#period", status_code=303)

    again = functools.partial(programme, visit, code)
    return submitted(visit.texts, attempt, again, entered=form)
