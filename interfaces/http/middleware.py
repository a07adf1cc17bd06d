"""The base of the app's own middleware: pure ASGI (no extra task or thread per
request, as Starlette's BaseHTTPMiddleware would add), for the HTTP requests it
handles; anything else (the lifespan's messages, say) passes through untouched."""

from starlette.types import ASGIApp
from starlette.types import Receive
from starlette.types import Scope
from starlette.types import Send


class HttpMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def handles(self, scope: Scope) -> bool:
        """Whether this HTTP request is this middleware's (every one, unless a
        subclass says otherwise)."""
        return True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.handles(scope):
            await self.http(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handles an HTTP request, calling ``self.app`` as it sees fit."""
        raise NotImplementedError
