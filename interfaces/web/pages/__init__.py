"""The pages under /ui: the same app, the same services and rights as the API."""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from domain.errors import DomainError
from interfaces.web.forms import PROBLEMS
from interfaces.web.i18n import N_
from interfaces.web.i18n import Texts
from interfaces.web.pages import audit
from interfaces.web.pages import caseload
from interfaces.web.pages import coaches
from interfaces.web.pages import group_sessions
from interfaces.web.pages import imports
from interfaces.web.pages import outcomes
from interfaces.web.pages import participants
from interfaces.web.pages import programmes
from interfaces.web.pages import referral
from interfaces.web.pages import signing
from interfaces.web.pages import todo
from interfaces.web.pages import trajectories
from interfaces.web.pages import trajectory
from interfaces.web.render import address_of
from interfaces.web.render import render
from interfaces.web.session import PAGES
from interfaces.web.session import FormRefused
from interfaces.web.session import page_texts
from interfaces.web.session import signed_in

STATIC = Path(__file__).parent.parent / "static"

Handler = Callable[[Request, Any], Response | Awaitable[Response]]

TITLES = {
    400: N_("The request is not valid"),
    403: N_("Not for your role"),
    404: N_("Not found"),
    409: N_("Changed meanwhile"),
    410: N_("Personal data erased"),
    422: N_("This cannot be done"),
    500: N_("Something went wrong"),
    503: N_("Busy: try again in a moment"),
}
# The title of a form refused for its token (not the 403's "Not for your role").
FORM_OUT_OF_DATE = N_("The form is out of date")
# The query parameters a refusal may name that are not fields of a form.
PARAMETERS = {
    "page": N_("Page number"),
    "q": N_("Search"),
    "as_of": N_("As of date"),
}
# What the page says where the API's answer has no words of ours (the framework's
# "Not Found", "Method Not Allowed").
MESSAGES = {
    404: N_("There is nothing at this address: it may be mistyped or out of date."),
    405: N_("This address cannot be used this way: open it as a link."),
}


def install(app: FastAPI) -> None:
    """Adds the pages to the app; call it after the API's error handlers."""
    app.mount(f"{PAGES}/static", StaticFiles(directory=STATIC), name="ui_static")
    for module in (
        signing,
        caseload,
        trajectory,
        outcomes,
        audit,
        programmes,
        referral,
        participants,
        trajectories,
        coaches,
        todo,
        group_sessions,
        imports,
    ):
        app.include_router(module.router, include_in_schema=False)
    for error, handler in list(app.exception_handlers.items()):
        app.exception_handlers[error] = _as_page(handler)


def _as_page(api_handler: Handler) -> Handler:
    """The API's answer to an error, shown as a page on the pages' paths: the same
    status, its message in the page's language where we have one."""

    async def handle(request: Request, error: Any) -> Response:
        answer: Response | Awaitable[Response]
        answer = api_handler(request, error)
        if inspect.isawaitable(answer):
            answer = await answer
        if not request.url.path.startswith(f"{PAGES}/") and request.url.path != PAGES:
            return answer
        if answer.status_code == 401:
            sign_in = request.app.url_path_for("ui_sign_in_page")
            query = urlencode({"next": address_of(request)})
            return RedirectResponse(f"{sign_in}?{query}", status_code=303)
        texts = await page_texts(request)
        # The header of a signed-in reader's pages and the way back stay.
        caller = await signed_in(request)
        status, title = answer.status_code, None
        if isinstance(error, FormRefused):
            title = FORM_OUT_OF_DATE  # no matter of role
            message = texts.gettext(
                "This form is out of date or not from this site: open the page again."
            )
        elif status == 403:
            message = texts.gettext("Your role may not see or do this.")
        elif isinstance(error, DomainError):
            message = texts.refusal(error)
        elif isinstance(error, RequestValidationError) and _in_path(error):
            # A page's address with a malformed id: no such page, as for any other.
            status = 404
            message = texts.gettext(MESSAGES[404])
        elif isinstance(error, RequestValidationError):
            message = " ".join(
                f"{_parameter(texts, str(p['loc'][-1]))}: "
                f"{texts.gettext(PROBLEMS.get(p['type'], p['msg']))}"
                for p in error.errors()
            )
        elif isinstance(error, HTTPException) and status in MESSAGES:
            message = texts.gettext(MESSAGES[status])
        else:
            message = texts.gettext(_detail(answer))
        page = render(
            request,
            "error.html",
            texts,
            caller,
            status_code=status,
            title=texts.gettext(title or TITLES.get(status, TITLES[500])),
            message=message,
        )
        for name in ("Retry-After", "Allow"):
            if name in answer.headers:
                page.headers[name] = answer.headers[name]
        return page

    return handle


def _in_path(error: RequestValidationError) -> bool:
    return all(p["loc"][:1] == ("path",) for p in error.errors())


def _parameter(texts: Texts, name: str) -> str:
    if name in PARAMETERS:
        return texts.gettext(PARAMETERS[name])
    return texts.label(name)


def _detail(answer: Response) -> str:
    try:
        return str(json.loads(bytes(answer.body))["detail"]["message"])
    except (ValueError, KeyError, TypeError):
        return ""
