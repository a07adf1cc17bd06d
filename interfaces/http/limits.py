"""Refuses request bodies over a size limit with 413, before they are read whole:
by Content-Length when sent, else while the body streams in. A path may have a
larger limit of its own (an import's file)."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.types import ASGIApp
from starlette.types import Message
from starlette.types import Receive
from starlette.types import Scope
from starlette.types import Send

from interfaces.http.errors import problem
from interfaces.http.middleware import HttpMiddleware


class BodySizeLimit(HttpMiddleware):
    def __init__(
        self, app: ASGIApp, max_bytes: int, larger: Mapping[str, int] | None = None
    ) -> None:
        super().__init__(app)
        self.max_bytes = max_bytes
        self.larger = dict(larger or {})  # path -> its own limit

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        max_bytes = self.larger.get(scope["path"].rstrip("/"), self.max_bytes)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit():
            if int(declared) > max_bytes:
                await self._refuse(scope, receive, send, max_bytes)
                return
        received = 0
        too_large = refused = False

        async def counted() -> Message:
            nonlocal received, too_large
            if too_large:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    too_large = True  # the app reads no more; it is answered 413
                    return {"type": "http.disconnect"}
            return message

        async def answered(message: Message) -> None:
            nonlocal refused
            if not too_large:
                await send(message)
            elif not refused:
                refused = True
                await self._refuse(scope, receive, send, max_bytes)

        try:
            await self.app(scope, counted, answered)
        except Exception:
            if not too_large:  # only the cut-off body's own failure is ours
                raise
        if too_large and not refused:
            await self._refuse(scope, receive, send, max_bytes)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, max_bytes: int
    ) -> None:
        refusal = problem(
            413, "body_too_large", f"the request body is over {max_bytes} bytes"
        )
        await refusal(scope, receive, send)
