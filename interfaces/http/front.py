"""The app's front door: the API docs served from the app itself (no CDN, so they
work on a closed network), ``/`` leading to the pages, the favicon, and HEAD
answered wherever GET is."""

from typing import Any

from fastapi import FastAPI
from fastapi import Request
from fastapi.responses import FileResponse
from fastapi.responses import RedirectResponse
from fastapi.responses import Response
from fastapi_offline import FastAPIOffline
from starlette.datastructures import MutableHeaders
from starlette.types import Message
from starlette.types import Receive
from starlette.types import Scope
from starlette.types import Send

from interfaces.http.middleware import HttpMiddleware
from interfaces.web.pages import STATIC

DOCS_ASSETS = "/docs/assets"  # Swagger UI's and ReDoc's scripts and style sheet
DOCS_PAGES = frozenset({"/docs", "/redoc"})
# The docs pages load nothing from another site either (ReDoc's bundle would fetch
# its maker's logo from a CDN): their own inline start-up script and styles, data:
# images, ReDoc's search in a blob: worker, and requests to this app only.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
    "worker-src 'self' blob:; connect-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
# Every other answer (JSON, CSV, text) is data, never a document to run: nothing
# may load from it or frame it. The pages set their own policy.
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
FAVICON = STATIC / "favicon.svg"
FAVICON_TYPE = "image/svg+xml"


def new_app(*, docs: bool, **options: Any) -> FastAPI:
    """The FastAPI app; with ``docs``, /docs and /redoc load their scripts from
    DOCS_ASSETS (installed with the package fastapi-offline), and /openapi.json is
    served. Without, none of the three is."""
    if docs:
        app = FastAPIOffline(
            docs_url="/docs",
            redoc_url="/redoc",
            openapi_url="/openapi.json",
            static_url=DOCS_ASSETS,
            favicon_url="/favicon.ico",
            **options,
        )
        app.add_middleware(DocsPolicy)
        return app
    return FastAPI(docs_url=None, redoc_url=None, openapi_url=None, **options)


def install(app: FastAPI) -> None:
    """``/`` redirects to the pages' home; ``/favicon.ico`` answers the icon the
    pages link to."""
    methods = ["GET", "HEAD"]
    app.add_api_route("/", home, methods=methods, include_in_schema=False)
    app.add_api_route("/favicon.ico", favicon, methods=methods, include_in_schema=False)


async def home(request: Request) -> Response:
    """To the pages (their home signs in or opens the role's first page)."""
    return RedirectResponse(request.app.url_path_for("ui_home"), status_code=307)


async def favicon() -> Response:
    """The site's icon, an SVG (browsers ask /favicon.ico of every site)."""
    return FileResponse(
        FAVICON,
        media_type=FAVICON_TYPE,
        headers={"Cache-Control": "public, max-age=86400"},
    )


class DocsPolicy(HttpMiddleware):
    """The docs pages' answers carry DOCS_POLICY."""

    def handles(self, scope: Scope) -> bool:
        return scope["path"] in DOCS_PAGES

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = DOCS_POLICY
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "same-origin"
            await send(message)

        await self.app(scope, receive, with_policy)


class SecurityHeaders(HttpMiddleware):
    """Every answer says not to guess its content type and to
    send no referrer to another site, and carries a content security policy (the
    pages' and the docs' own, else DATA_POLICY), unless it set these itself; an
    answer to a request with a token is not to be stored by a cache (it may carry
    personal data)."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        signed = any(name == b"authorization" for name, _ in scope["headers"])

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if signed:
                    headers.setdefault("Cache-Control", "no-store")
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("Content-Security-Policy", DATA_POLICY)
                headers.setdefault("X-Frame-Options", "DENY")
            await send(message)

        await self.app(scope, receive, secured)


class HeadAsGet(HttpMiddleware):
    """A HEAD request is answered as its GET would be, without the body: the same
    status and headers, Content-Length included (RFC 9110, 9.3.2), so a health
    check or a link checker that sends HEAD gets what GET gets. The routes declare
    GET only. The GET runs whole: a page that records a read of personal data
    records it for a HEAD too. The logs and metrics say HEAD, with the route."""

    def handles(self, scope: Scope) -> bool:
        return bool(scope["method"] == "HEAD")

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        inner = {**scope, "method": "GET"}
        try:
            await self.app(inner, receive, headers_only)
        finally:
            for key in ("route", "endpoint", "path_params"):  # for the logs
                if key in inner:
                    scope[key] = inner[key]
