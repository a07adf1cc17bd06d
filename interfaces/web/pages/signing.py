"""Signing in and out, and choosing the language."""

from typing import Annotated

from fastapi import APIRouter
from fastapi import Form
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.responses import RedirectResponse
from fastapi.responses import Response

from interfaces.http.deps import caller_of
from interfaces.web.i18n import Language
from interfaces.web.render import home_of
from interfaces.web.render import render
from interfaces.web.session import PAGES
from interfaces.web.session import SESSION_COOKIE
from interfaces.web.session import CheckedForm
from interfaces.web.session import FormRefused
from interfaces.web.session import PageTexts
from interfaces.web.session import page_caller
from interfaces.web.session import remember_language
from interfaces.web.session import same_origin
from interfaces.web.session import sign_in
from interfaces.web.session import sign_out

router = APIRouter(prefix=PAGES)


def back_to(path: str | None) -> str:
    """A page of ours to return to; anything else (another site) is not followed."""
    if path and path.startswith(f"{PAGES}/") and not path.startswith("//"):
        return path
    return PAGES


@router.get("", name="ui_home")
async def home(request: Request) -> Response:
    if not request.cookies.get(SESSION_COOKIE):
        return RedirectResponse(
            request.app.url_path_for("ui_sign_in_page"), status_code=303
        )
    caller = await page_caller(request)
    return RedirectResponse(request.app.url_path_for(home_of(caller)), status_code=303)


@router.get("/sign-in", name="ui_sign_in_page", response_class=HTMLResponse)
def sign_in_page(request: Request, texts: PageTexts, next: str = "") -> Response:
    return render(request, "sign_in.html", texts, None, next=back_to(next))


@router.post("/sign-in", name="ui_sign_in", response_class=HTMLResponse)
async def sign_in_form(
    request: Request,
    texts: PageTexts,
    token: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    caller = (
        await caller_of(request.app.state.service.tokens, token.strip())
        if same_origin(request)
        else None
    )
    if caller is None:
        problem = texts.gettext("This token is unknown or was revoked.")
        return render(
            request,
            "sign_in.html",
            texts,
            None,
            status_code=401,
            problem=problem,
            next=back_to(next),
        )
    target = back_to(next)
    if target == PAGES:
        target = request.app.url_path_for(home_of(caller))
    response = RedirectResponse(target, status_code=303)
    sign_in(response, token.strip())
    return response


@router.post("/sign-out", name="ui_sign_out")
def sign_out_form(request: Request, _: CheckedForm) -> Response:
    response = RedirectResponse(
        request.app.url_path_for("ui_sign_in_page"), status_code=303
    )
    sign_out(response)
    return response


@router.post("/language", name="ui_language")
def choose_language(
    request: Request,
    language: Annotated[Language, Form()],
    back: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Open to anyone, signed in or not (so no form token): only the Origin check,
    so that another site cannot switch a reader's language."""
    if not same_origin(request):
        raise FormRefused("a form of another site may not post here")
    response = RedirectResponse(back_to(back), status_code=303)
    remember_language(response, language)
    return response
