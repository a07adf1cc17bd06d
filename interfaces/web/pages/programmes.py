"""The programme catalogue: every programme with its period and budget, and for an
admin the form that extends or closes a programme's period."""

from __future__ import annotations

import functools
from typing import Annotated

from fastapi import APIRouter
from fastapi import Query
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.responses import RedirectResponse
from fastapi.responses import Response

from application.access import Caller
from application.access import Role
from application.service import Trajectories
from domain.calendar import today
from domain.commands import ChangeProgrammePeriod
from interfaces.http.deps import Service
from interfaces.http.schemas.commands import PeriodIn
from interfaces.web.forms import form_of
from interfaces.web.i18n import Texts
from interfaces.web.posting import ANY_KEY
from interfaces.web.posting import FRESH
from interfaces.web.posting import PostedForm
from interfaces.web.posting import Sent
from interfaces.web.posting import form_key
from interfaces.web.posting import form_page
from interfaces.web.posting import read_form
from interfaces.web.posting import submitted
from interfaces.web.render import render
from interfaces.web.session import PAGES
from interfaces.web.session import AdminPage
from interfaces.web.session import PageTexts
from interfaces.web.session import ProgrammeReader

router = APIRouter(prefix=PAGES)
PERIOD_FORM = form_of(ChangeProgrammePeriod, "ChangeProgrammePeriod")


@router.get("/programmes", name="ui_programmes", response_class=HTMLResponse)
def programmes_page(
    request: Request, texts: PageTexts, caller: ProgrammeReader, service: Service
) -> Response:
    return render(
        request,
        "programmes.html",
        texts,
        caller,
        active="ui_programmes",
        programmes=service.programmes(),
        today=today(),
    )


def programme(
    request: Request,
    texts: Texts,
    caller: Caller,
    service: Trajectories,
    code: str,
    sent: Sent = FRESH,
    *,
    changed: bool = False,
) -> Response:
    shown = service.programme(code)
    return form_page(
        request,
        "programme.html",
        texts,
        caller,
        sent,
        PERIOD_FORM,
        {},
        here=request.app.url_path_for("ui_programme", code=code),
        active="ui_programmes",
        programme=shown,
        may_change=caller.role is Role.ADMIN,
        changed=changed,
    )


@router.get("/programmes/{code}", name="ui_programme", response_class=HTMLResponse)
def programme_page(
    request: Request,
    code: str,
    texts: PageTexts,
    caller: ProgrammeReader,
    service: Service,
    changed: Annotated[bool, Query()] = False,
) -> Response:
    return programme(request, texts, caller, service, code, changed=changed)


@router.post(
    "/programmes/{code}/period", name="ui_change_period", response_class=HTMLResponse
)
def change_period(
    request: Request,
    code: str,
    texts: PageTexts,
    caller: AdminPage,
    service: Service,
    form: PostedForm,
) -> Response:
    def attempt() -> Response:
        body = read_form(PERIOD_FORM, PeriodIn, form)
        service.change_programme_period(
            code,
            body.command(),
            recorded_by=caller.name,
            key=form_key(request, caller, service, form, ANY_KEY),
        )
        target = request.app.url_path_for("ui_programme", code=code)
        return RedirectResponse(f"{target}?changed=true#period", status_code=303)

    again = functools.partial(programme, request, texts, caller, service, code)
    return submitted(texts, attempt, again, entered=form)
