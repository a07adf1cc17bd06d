"""A client that keeps sending wrong tokens is slowed down: after too many answers of
401 to one client address within a window, to requests that sent a token (in the
Authorization header, or to the pages' sign-in form), that address gets 429 with
Retry-After until the window has passed, without its requests being read or its
tokens looked up. A request with no token at all is no guess, and is not counted.
Tokens are 256 random bits, so guessing one is hopeless anyway; this keeps a flood of
wrong tokens from costing the service a database lookup each.

The address is the one the server sees (``scope["client"]``): behind a reverse
proxy, run the server with the proxy's forwarded address (uvicorn's
``--proxy-headers`` and ``--forwarded-allow-ips``), or every client shares the
proxy's.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from starlette.types import ASGIApp
from starlette.types import Message
from starlette.types import Receive
from starlette.types import Scope
from starlette.types import Send

from interfaces.http.errors import problem
from interfaces.http.middleware import HttpMiddleware

FAILURES = 20  # wrong tokens an address may send within WINDOW
WINDOW = 10.0  # seconds
OPEN = frozenset({"/health", "/metrics"})  # need no token: never slowed
SIGN_IN = "/ui/sign-in"  # the pages' form that sends a token
MAX_ADDRESSES = 10_000  # addresses remembered; the oldest are forgotten


class FailedAuthentication:
    """The times of each address's recent failed authentications."""

    def __init__(
        self,
        failures: int = FAILURES,
        window: float = WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failures, self.window, self.clock = failures, window, clock
        self._times: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def failed(self, address: str) -> None:
        with self._lock:
            times = self._times.pop(address, None) or deque(maxlen=self.failures)
            times.append(self.clock())
            self._times[address] = times  # the most recent last
            while len(self._times) > MAX_ADDRESSES:
                del self._times[next(iter(self._times))]

    def wait(self, address: str) -> float:
        """Seconds until ``address`` may try again; 0 if it may now."""
        with self._lock:
            times = self._times.get(address)
            if times is None or len(times) < self.failures:
                return 0.0
            left = times[0] + self.window - self.clock()
            if left <= 0:
                del self._times[address]
                return 0.0
            return left


class AuthenticationThrottle(HttpMiddleware):
    """Counts the 401 answers per client address, and answers 429 with Retry-After
    to an address over the limit."""

    def __init__(self, app: ASGIApp, failures: FailedAuthentication) -> None:
        super().__init__(app)
        self.failures = failures

    def handles(self, scope: Scope) -> bool:
        return scope["path"] not in OPEN

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        address = client[0] if client else ""
        wait = self.failures.wait(address)
        if wait > 0:
            retry_after = math.ceil(wait)
            refusal = problem(
                429,
                "too_many_failed_authentications",
                "too many requests with an unknown token from this address; retry "
                f"after {retry_after} s",
            )
            refusal.headers["Retry-After"] = str(retry_after)
            await refusal(scope, receive, send)
            return

        sent_a_token = scope["path"] == SIGN_IN or any(
            name == b"authorization" and value.strip()
            for name, value in scope["headers"]
        )

        async def counting(message: Message) -> None:
            if (
                sent_a_token
                and message["type"] == "http.response.start"
                and message["status"] == 401
            ):
                self.failures.failed(address)
            await send(message)

        await self.app(scope, receive, counting)
