"""Fails fast while the database is down.

The store retries a lost connection for several seconds before it gives up, which
is right for a blip but makes every request wait that long during an outage. Once a
request has found the database unreachable, the breaker opens: each later request
first pings the database on a connection of its own (a refused connection answers at
once) and gets 503 straight away while the ping fails. The first ping that succeeds
closes the breaker.
"""

from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from interfaces.http.errors import database_unavailable

ALWAYS_THROUGH = ("/health", "/metrics")  # they say themselves what is down


class Breaker:
    def __init__(self, ping: Callable[[], None]) -> None:
        self.ping = ping
        self.open = False

    def trip(self) -> None:
        self.open = True


class DatabaseBreaker:
    """The ASGI middleware that answers 503 while the breaker is open."""

    def __init__(self, app: ASGIApp, breaker: Breaker) -> None:
        self.app = app
        self.breaker = breaker

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        breaker = self.breaker
        if (
            breaker.open
            and scope["type"] == "http"
            and scope["path"] not in ALWAYS_THROUGH
        ):
            try:
                await run_in_threadpool(breaker.ping)
            except Exception:  # any failure to reach the database
                await database_unavailable()(scope, receive, send)
                return
            breaker.open = False
        await self.app(scope, receive, send)
