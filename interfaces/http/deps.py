"""Dependencies shared by the routes, as ``Annotated`` aliases."""

import functools
import re
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import Depends
from fastapi import Header
from fastapi import Query
from fastapi import Request
from fastapi import Response
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.security import HTTPBearer
from starlette.concurrency import run_in_threadpool

from application.access import Caller
from application.access import Forbidden
from application.access import Role
from application.access import Tokens
from application.audit.access_log import AccessLog
from application.idempotency import IdempotencyKey
from application.idempotency import request_fingerprints
from application.service import Trajectories
from application.views import Views
from application.writes import Answer
from interfaces.http.errors import REPLAYED
from interfaces.http.errors import InvalidParameter
from interfaces.http.errors import NotAuthenticated

VERSION_TAG = re.compile(r"[1-9][0-9]{0,17}", re.ASCII)
NO_NUL = r"^[^\x00]*$"  # a text filter with a NUL byte is refused, not sent to SQL

# The filters of the lists that more than one route takes.
ProgrammeFilter = Annotated[str | None, Query(max_length=50, pattern=NO_NUL)]
OrganisationFilter = Annotated[str | None, Query(max_length=200, pattern=NO_NUL)]
CoachFilter = Annotated[
    str | None,
    Query(
        max_length=200,
        pattern=NO_NUL,
        description="a coach's name, without regard to case, accents or spaces",
    ),
]


# The dependencies below are async: they do not block (a token is checked in memory,
# but for its first use in 5 seconds), and FastAPI would otherwise run each sync one
# in a worker thread, a hand-off per dependency per request.


async def get_service(request: Request) -> Trajectories:
    service: Trajectories = request.app.state.service
    return service


bearer = HTTPBearer(
    auto_error=False,
    description="A token from `trajectory token create` (or `POST /tokens`); "
    "`make run` prints development tokens for each role.",
)


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


async def current_caller(request: Request, credentials: Credentials) -> Caller:
    return await authenticated(request, credentials)


async def authenticated(
    request: Request, credentials: HTTPAuthorizationCredentials | None
) -> Caller:
    """The caller whose bearer token came with the request; 401 without one."""
    if credentials is None:
        raise NotAuthenticated("send a token: Authorization: Bearer <token>")
    caller = await caller_of(request.app.state.service.tokens, credentials.credentials)
    if caller is None:
        raise NotAuthenticated("the bearer token is unknown or was revoked")
    return caller


async def caller_of(tokens: Tokens, secret: str) -> Caller | None:
    """The token's caller, or None: from the tokens' cache, or else looked up off
    the event loop."""
    return tokens.cached(secret) or await run_in_threadpool(tokens.authenticate, secret)


def allow(
    *roles: Role, who: Callable[..., Awaitable[Caller]] | None = None
) -> Callable[..., Awaitable[Caller]]:
    """A dependency: the caller (``who`` tells who it is: the bearer token's by
    default), if their role is one of ``roles``; 403 otherwise. The bearer token's
    caller is found in this dependency itself, not in one it depends on: FastAPI
    resolves each dependency of each request anew, and this is on every route."""
    names = ", ".join(role.value for role in roles)

    def checked(caller: Caller) -> Caller:
        if caller.role not in roles:
            raise Forbidden(
                f"{_article(caller.role.value)} {caller.role.value} token may not "
                f"do this; it takes: {names}"
            )
        return caller

    async def by_token(request: Request, credentials: Credentials) -> Caller:
        return checked(await authenticated(request, credentials))

    async def by_who(caller: Annotated[Caller, Depends(who)]) -> Caller:
        return checked(caller)

    allowed = by_token if who is None else by_who
    allowed.__name__ = f"allow_{'_'.join(role.value for role in roles)}"
    return allowed


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


IdempotencyHeader = Annotated[
    str | None,
    Header(
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="A key of your choice (a UUID, say) that makes a retry safe: "
        "a request repeated with the same key gets the first answer and records "
        "nothing twice, also after a restart (kept 7 days). The same key with a "
        "different request is a 422; a JSON body counts by its value, whatever the "
        "order of its keys or its whitespace.",
        examples=["5f1c2a4e-8d0b-4c3e-9a57-1b2f3c4d5e6f"],
    ),
]


async def idempotency_key(
    request: Request,
    caller: Annotated[Caller, Depends(current_caller)],
    idempotency_key: IdempotencyHeader = None,
) -> IdempotencyKey | None:
    return await key_of(request, caller, idempotency_key)


async def key_of(
    request: Request, caller: Caller, idempotency_key: str | None
) -> IdempotencyKey | None:
    """The caller's key for this request, if they sent one."""
    if idempotency_key is None:
        return None
    service: Trajectories = request.app.state.service
    # Keyed by the master key: the record does not hold a hash of the body (its
    # personal data) that anyone could recompute from a guess. A JSON body counts by
    # its value, and the bytes' fingerprint that earlier code stored is accepted too
    # (see ``request_fingerprints``).
    fingerprint, earlier = request_fingerprints(
        service.keyring.fingerprint,
        request.method,
        request.url.path,
        request.headers.get("if-match", ""),
        await request.body(),
    )
    return IdempotencyKey(str(caller.token_id), idempotency_key, fingerprint, earlier)


async def expected_version(
    if_match: Annotated[
        str | None,
        Header(
            description='The version you last read (its ETag, e.g. "3"); a stale '
            "version gets 409 and nothing is written.",
            examples=['"3"'],
        ),
    ] = None,
) -> int | None:
    if if_match is None:
        return None
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not VERSION_TAG.fullmatch(tag):
        raise InvalidParameter(
            "header.If-Match", f'{if_match!r} is not a version such as "3"'
        )
    return int(tag)


async def get_views(request: Request) -> Views:
    views: Views = request.app.state.views
    return views


async def read_recorder(
    request: Request, caller: Annotated[Caller, Depends(current_caller)]
) -> Callable[[Iterable[UUID]], None]:
    """Records in the access log that the caller read these participants' personal
    data by this route. Call it before answering: it commits, or the read fails."""
    access_log: AccessLog = request.app.state.service.access_log
    route = f"{request.method} {request.scope['route'].path}"
    return functools.partial(access_log.record, caller, route=route)


@dataclass(frozen=True)
class Write:
    """What every write needs besides its body: the service, who writes (their name
    goes into the history, their organisation bounds what they may change), their
    key for a safe retry, and the answer's headers."""

    service: Trajectories
    caller: Caller
    key: IdempotencyKey | None
    response: Response

    def answered(self, answer: Answer, location: str) -> None:
        """Where the result is, its version, and whether this is an earlier
        request's answer given again."""
        if answer.replayed:
            self.response.headers[REPLAYED] = "true"
        self.response.headers["Location"] = location
        self.response.headers["ETag"] = f'"{answer.version}"'


def writer(role: Role) -> Callable[..., Awaitable[Write]]:
    """A dependency: the write of a caller whose role is ``role``; 403 otherwise."""

    async def write(
        request: Request,
        response: Response,
        caller: Annotated[Caller, Depends(allow(role))],
        idempotency_key: IdempotencyHeader = None,
    ) -> Write:
        key = await key_of(request, caller, idempotency_key)
        return Write(request.app.state.service, caller, key, response)

    write.__name__ = f"{role.value}_write"
    return write


Service = Annotated[Trajectories, Depends(get_service)]
ViewsDep = Annotated[Views, Depends(get_views)]
Idempotency = Annotated[IdempotencyKey | None, Depends(idempotency_key)]
RecordRead = Annotated[Callable[[Iterable[UUID]], None], Depends(read_recorder)]

# Who may call what (the README's table of roles and routes).
Staff = Annotated[Caller, Depends(allow(Role.STAFF))]
StaffWrite = Annotated[Write, Depends(writer(Role.STAFF))]
AdminWrite = Annotated[Write, Depends(writer(Role.ADMIN))]
Admin = Annotated[Caller, Depends(allow(Role.ADMIN))]
Reader = Annotated[Caller, Depends(allow(Role.STAFF, Role.AUDITOR))]
# Outcome figures: staff of their own organisation's trajectories, evaluators under
# disclosure control (``OutcomeScope``).
OutcomeReader = Annotated[
    Caller, Depends(allow(Role.EVALUATOR, Role.AUDITOR, Role.ADMIN, Role.STAFF))
]
Operator = Annotated[Caller, Depends(allow(Role.ADMIN, Role.AUDITOR))]
ViewWatcher = Annotated[
    Caller, Depends(allow(Role.ADMIN, Role.AUDITOR, Role.EVALUATOR))
]
# Rebuilds: an evaluator the outcome view's only (routes/projections.py).
Rebuilder = Annotated[Caller, Depends(allow(Role.ADMIN, Role.EVALUATOR))]
StaffReader = Annotated[Caller, Depends(allow(Role.STAFF, Role.AUDITOR, Role.ADMIN))]
Auditor = Annotated[Caller, Depends(allow(Role.AUDITOR))]
Anyone = Annotated[Caller, Depends(current_caller)]
ExpectedVersion = Annotated[int | None, Depends(expected_version)]
