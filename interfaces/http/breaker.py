"""Fails fast while the database is down.

A request that finds the database unavailable (``OperationalError``, after the
store's patience: ``application.storage.Patience``) is answered 503; the breaker
opens only if the database then fails a ping of its own as well, so a lock timeout
or a deadlock (the database answering) never opens it. While it is open, each
request first pings the database on a connection of its own (a refused connection
answers at once) and gets 503 straight away while the ping fails. The first ping
that succeeds closes the breaker.
"""

import logging
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp
from starlette.types import Receive
from starlette.types import Scope
from starlette.types import Send

from interfaces.http.errors import database_unavailable

ALWAYS_THROUGH = ("/health", "/metrics")  # they say themselves what is down


log = logging.getLogger("trajectory.http")


class Breaker:
    def __init__(self, ping: Callable[[], None]) -> None:
        self.ping = ping
        self.open = False

    def trip(self) -> None:
        if not self.open:
            log.warning("the database is unreachable: answering 503 until it is back")
        self.open = True

    def trip_if_down(self) -> bool:
        """Opens the breaker if the database fails a ping now; whether it did."""
        try:
            self.ping()
        except Exception:  # any failure to reach the database
            self.trip()
            return True
        return False


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
            if breaker.open:
                log.warning("the database answers again")
            breaker.open = False
        await self.app(scope, receive, send)
