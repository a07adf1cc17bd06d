"""Signing in to the pages: the API token, kept in a cookie the page's scripts cannot
read (HttpOnly), sent only over HTTPS or to localhost (Secure) and never with a
request another site starts (SameSite=Strict). Forms carry a token derived from it
as well, and a form posted from another origin is refused."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from fastapi import Depends
from fastapi import Form
from fastapi import Request
from fastapi.responses import Response

from application.access import Caller
from application.access import Forbidden
from application.access import Role
from interfaces.http import deps
from interfaces.http.deps import caller_of
from interfaces.http.errors import NotAuthenticated
from interfaces.web.i18n import DEFAULT_LANGUAGE
from interfaces.web.i18n import TEXTS
from interfaces.web.i18n import Language
from interfaces.web.i18n import Texts
from interfaces.web.i18n import language_of

SESSION_COOKIE = "trajectory_session"
LANGUAGE_COOKIE = "trajectory_language"
PAGES = "/ui"
ONE_YEAR = 365 * 24 * 3600


def sign_in(response: Response, secret: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        path=PAGES,
        httponly=True,
        secure=True,
        samesite="strict",
    )


def sign_out(response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path=PAGES, httponly=True, secure=True, samesite="strict"
    )


def remember_language(response: Response, language: Language) -> None:
    response.set_cookie(
        LANGUAGE_COOKIE, language, path=PAGES, max_age=ONE_YEAR, samesite="lax"
    )


class FormRefused(Forbidden):
    """A form without the session's form token, or posted from another site."""

    code = "form_refused"


def form_token(secret: str) -> str:
    """The token every form of a signed-in page carries: only a page that could
    read the session can know it."""
    return hmac.new(secret.encode(), b"trajectory forms", hashlib.sha256).hexdigest()


async def page_caller(request: Request) -> Caller:
    """The signed-in caller; a request without a valid session is sent to sign in."""
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        raise NotAuthenticated("sign in with a token to see this page")
    caller = await caller_of(request.app.state.service.tokens, secret)
    if caller is None:
        raise NotAuthenticated("the token is unknown or was revoked")
    return caller


async def signed_in(request: Request) -> Caller | None:
    """The signed-in caller, or None: for a page that shows to anyone (an error)."""
    try:
        return await page_caller(request)
    except NotAuthenticated:
        return None


async def page_texts(request: Request) -> Texts:
    return TEXTS[language_of(request.cookies.get(LANGUAGE_COOKIE, DEFAULT_LANGUAGE))]


def same_origin(request: Request) -> bool:
    """A form posted by our own page: its Origin (sent by every current browser
    with a POST) names this server; without one, its Referer does."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if origin is None:
        return True  # not a browser: the session cookie is what it must hold
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1].split("/", 1)[0] == host


async def checked_form(
    request: Request, csrf: Annotated[str, Form(max_length=100)] = ""
) -> None:
    """Refuses a form not posted by one of our signed-in pages."""
    secret = request.cookies.get(SESSION_COOKIE, "")
    if not same_origin(request):
        raise FormRefused("a form of another site may not post here")
    if not secret or not hmac.compare_digest(
        csrf.encode(), form_token(secret).encode()
    ):
        raise FormRefused("the form is stale or not ours: open the page again")


def allow(*roles: Role) -> object:
    """A dependency: the signed-in caller, if their role is one of ``roles``."""
    return Depends(deps.allow(*roles, who=page_caller))


PageTexts = Annotated[Texts, Depends(page_texts)]
CheckedForm = Annotated[None, Depends(checked_form)]
