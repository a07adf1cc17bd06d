"""The pages under /ui: the same app, the same services and rights as the API."""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from domain.errors import DomainError
from interfaces.web.forms import PROBLEMS
from interfaces.web.i18n import N_
from interfaces.web.pages import audit, caseload, outcomes, signing, trajectory
from interfaces.web.render import address_of, render
from interfaces.web.session import PAGES, FormRefused, page_texts

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


def install(app: FastAPI) -> None:
    """Adds the pages to the app; call it after the API's error handlers."""
    app.mount(f"{PAGES}/static", StaticFiles(directory=STATIC), name="ui_static")
    for module in (signing, caseload, trajectory, outcomes, audit):
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
        if isinstance(error, FormRefused):
            message = texts.gettext(
                "This form is out of date or not from this site: open the page again."
            )
        elif answer.status_code == 403:
            message = texts.gettext("Your role may not see or do this.")
        elif isinstance(error, DomainError):
            message = texts.refusal(error)
        elif isinstance(error, RequestValidationError):
            message = " ".join(
                f"{p['loc'][-1]}: {texts.gettext(PROBLEMS.get(p['type'], p['msg']))}"
                for p in error.errors()
            )
        else:
            message = texts.gettext(_detail(answer))
        title = texts.gettext(TITLES.get(answer.status_code, TITLES[500]))
        page = render(
            request,
            "error.html",
            texts,
            None,
            status_code=answer.status_code,
            title=title,
            message=message,
        )
        for name in ("Retry-After",):
            if name in answer.headers:
                page.headers[name] = answer.headers[name]
        return page

    return handle


def _detail(answer: Response) -> str:
    try:
        return str(json.loads(bytes(answer.body))["detail"]["message"])
    except (ValueError, KeyError, TypeError):
        return ""
