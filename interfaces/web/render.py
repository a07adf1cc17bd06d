"""Renders a page: its template with the texts of its language and the navigation
its caller's role may see."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from application.access import Caller
from application.access import Role
from domain.vocabulary import Barrier
from domain.vocabulary import PlacementType
from domain.vocabulary import Stage
from interfaces.web.i18n import LANGUAGES
from interfaces.web.i18n import N_
from interfaces.web.i18n import Texts
from interfaces.web.session import PAGES
from interfaces.web.session import SESSION_COOKIE
from interfaces.web.session import form_token

ALERT_TEXTS = {
    "amber": N_("No contact for over 30 days"),
    "red": N_("No contact for over 60 days"),
    "exit_candidate": N_("No contact for 90 days or more: exit candidate"),
}
# The caseload's filter by the same alerts: each picks its band only.
ALERT_FILTERS = {
    "amber": N_("31 to 60 days without contact"),
    "red": N_("61 to 89 days without contact"),
    "exit_candidate": N_("No contact for 90 days or more: exit candidate"),
}
TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
TEMPLATES.env.trim_blocks = True
TEMPLATES.env.lstrip_blocks = True
TEMPLATES.env.globals.update(
    Stage=Stage,
    Barrier=Barrier,
    PlacementType=PlacementType,
    # The stand-ins of Views.participant_name for a name it cannot show.
    WITHHELD={
        "erased": N_("Personal data erased"),
        "unknown": N_("Unknown participant"),
    },
    ALERT_TEXTS=ALERT_TEXTS,
)


# Everything a page uses comes from the app itself: no other site, no inline script.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


@dataclass(frozen=True)
class NavItem:
    name: str  # the route's name, e.g. "caseload"
    text: str  # English, translated in the template
    roles: frozenset[Role]


NAVIGATION = (
    NavItem("ui_caseload", N_("Caseload"), frozenset({Role.STAFF, Role.AUDITOR})),
    NavItem("ui_find", N_("Find"), frozenset({Role.STAFF, Role.AUDITOR})),
    NavItem(
        "ui_trajectories", N_("Trajectories"), frozenset({Role.STAFF, Role.AUDITOR})
    ),
    NavItem("ui_todo", N_("To do"), frozenset({Role.STAFF, Role.AUDITOR})),
    NavItem(
        "ui_outcomes",
        N_("Outcomes"),
        frozenset({Role.STAFF, Role.EVALUATOR, Role.AUDITOR, Role.ADMIN}),
    ),
    NavItem("ui_audit", N_("Audit"), frozenset({Role.AUDITOR, Role.ADMIN})),
    NavItem("ui_programmes", N_("Programmes"), frozenset(Role)),
    NavItem(
        "ui_coaches", N_("Coaches"), frozenset({Role.STAFF, Role.AUDITOR, Role.ADMIN})
    ),
    NavItem("ui_import", N_("Import"), frozenset({Role.ADMIN})),
)


def home_of(caller: Caller) -> str:
    """The first page the caller's role may see."""
    return next(item.name for item in NAVIGATION if caller.role in item.roles)


def address_of(request: Request) -> str:
    """Where the page can be opened again: its own address for a GET; a page that
    answers a form says where it can be opened (``render(here=...)``), else the
    first page."""
    if request.method == "GET":
        query = request.url.query
        return request.url.path + (f"?{query}" if query else "")
    return PAGES


def render(
    request: Request,
    template: str,
    texts: Texts,
    caller: Caller | None,
    *,
    status_code: int = 200,
    here: str | None = None,
    **context: Any,
) -> HTMLResponse:
    secret = request.cookies.get(SESSION_COOKIE)
    response = TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "t": texts,
            "_": texts.gettext,
            "caller": caller,
            "navigation": [
                item
                for item in NAVIGATION
                if caller is not None and caller.role in item.roles
            ],
            "languages": LANGUAGES,
            "csrf": form_token(secret) if secret and caller else "",
            "here": here or address_of(request),
            # Links are paths, right behind a proxy whatever its scheme and host.
            "path_for": request.app.url_path_for,
            **context,
        },
        status_code=status_code,
    )
    # Pages hold personal data: never kept by a browser or a proxy.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response
