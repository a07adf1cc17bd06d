"""Maps errors to HTTP answers: the body is ``{"detail": {"code", "message"}}``; the
OpenAPI document gives each status's body a model of its own (``openapi.ERRORS``)
with these details."""

import logging
from collections.abc import MutableMapping
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from eventsourcing.persistence import InterfaceError
from eventsourcing.persistence import OperationalError
from fastapi import FastAPI
from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from application.access import Forbidden
from application.audit.chain import ChainOutOfStep
from application.audit.chain import HistoryDamaged
from application.errors import DataKeyMissing
from application.errors import VerificationRunning
from application.errors import VersionConflict
from application.privacy.keys import MasterKeyError
from application.privacy.sealing import SealBroken
from application.projections.sql import RebuildInProgress
from application.views import ReplaysBusy
from domain.errors import AlreadyRegistered
from domain.errors import DomainError
from domain.errors import GroupMemberRefused
from domain.errors import NotFound
from domain.errors import ParticipantErasedError
from interfaces.http.schemas.base import CONTROL_CHARACTER
from interfaces.http.schemas.base import LINES
from interfaces.http.schemas.base import ONE_LINE

log = logging.getLogger("trajectory.http")


class NotAuthenticated(Exception):
    code = "unauthenticated"


class InvalidParameter(Exception):
    """A header or query parameter that FastAPI's validation cannot judge alone."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


_NOT_FOUND_DETAIL: dict[str, Any] = {
    "code": "trajectory_not_found",
    "message": "trajectory 3f9c1e52-7a4b-4d2e-9b1a-5c8e2d7f6a10 does not exist",
}
_CONFLICT_DETAIL: dict[str, Any] = {
    "code": "version_conflict",
    "message": "3f9c1e52-7a4b-4d2e-9b1a-5c8e2d7f6a10 was changed meanwhile: expected "
    "version 8, the current version is 9",
    "current_version": 9,
}
_INVALID_REQUEST_DETAIL: dict[str, Any] = {
    "code": "invalid_request",
    "message": "body.IntakeCompleted.rung: Field required",
    "errors": [
        {
            "field": "body.IntakeCompleted.rung",
            "problem": "Field required",
            "type": "missing",
        }
    ],
}
_RULE_BROKEN_DETAIL: dict[str, Any] = {
    "code": "date_before_referral",
    "message": "intake on 2024-01-29 is before the referral on 2024-02-01",
}


class ErrorDetail(BaseModel):
    code: str
    message: str

    model_config = ConfigDict(json_schema_extra={"examples": [_NOT_FOUND_DETAIL]})


class ConflictDetail(ErrorDetail):
    current_version: int | None = Field(
        default=None,
        description="the trajectory's current version (code version_conflict only)",
    )

    model_config = ConfigDict(json_schema_extra={"examples": [_CONFLICT_DETAIL]})


class FieldError(BaseModel):
    """One field, header or query parameter of a request and what is wrong with it."""

    field: str = Field(description="where: body.rung, query.limit, header.If-Match")
    problem: str = Field(description="what is wrong, in English")
    type: str | None = Field(
        default=None, description="the kind of problem, when the validator names one"
    )

    model_config = ConfigDict(
        json_schema_extra={"examples": _INVALID_REQUEST_DETAIL["errors"]}
    )


class InvalidRequestDetail(ErrorDetail):
    errors: list[FieldError] | None = Field(
        default=None, description="each field's problem (code invalid_request only)"
    )
    participant_ids: list[UUID] | None = Field(
        default=None,
        description="who is registered already (codes national_number_registered "
        "and likely_duplicate only)",
    )
    position: int | None = Field(
        default=None,
        description="the refused member's position in trajectory_ids, from 0 (code "
        "group_member_refused only)",
    )
    trajectory_id: UUID | None = Field(
        default=None,
        description="the refused member's trajectory (code group_member_refused only)",
    )
    refusal: str | None = Field(
        default=None,
        description="the refused member's own refusal code (code "
        "group_member_refused only)",
    )

    model_config = ConfigDict(
        json_schema_extra={"examples": [_INVALID_REQUEST_DETAIL, _RULE_BROKEN_DETAIL]}
    )


def route_of(scope: MutableMapping[str, Any]) -> str:
    """The template of the route that answered (``/trajectories/{trajectory_id}``);
    the path itself for the fixed pages the framework adds (``/docs``), which have
    no values in it; "unmatched" when no route matched (a 404)."""
    route = scope.get("route")
    if route is not None:
        return str(route.path)
    return str(scope["path"]) if "endpoint" in scope else "unmatched"


METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> list[str]:
    """The methods some route of the request's path takes (HEAD wherever GET is:
    ``front.HeadAsGet``)."""
    allowed = {
        method
        for method in METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in request.app.router.routes
        )
    }
    if "GET" in allowed:
        allowed.add("HEAD")
    return [method for method in METHODS if method in allowed]


def problem(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    detail = {"code": code, "message": message, **extra}
    return JSONResponse(status_code=status, content={"detail": detail})


def database_unavailable() -> JSONResponse:
    response = problem(
        503,
        "database_unavailable",
        "the database cannot be reached or is too busy; retry after the "
        "Retry-After seconds (with the same Idempotency-Key, a retried write is "
        "never recorded twice)",
    )
    response.headers["Retry-After"] = "5"
    return response


# The refusals answered with their own code and message, by the status of the first
# class of their MRO found here (the OpenAPI document declares the same); a busy
# service's say in how many seconds to retry.
REFUSAL_STATUS: dict[type[Exception], int] = {
    ParticipantErasedError: 410,
    NotFound: 404,
    Forbidden: 403,
    RebuildInProgress: 409,
    VerificationRunning: 503,
    ReplaysBusy: 503,
    DomainError: 422,
}
RETRY_AFTER: dict[type[Exception], str] = {VerificationRunning: "10", ReplaysBusy: "5"}


def _code(error: Exception) -> str:
    """The refusal's code: each class of REFUSAL_STATUS has one."""
    return str(getattr(error, "code", DomainError.code))


def _field(location: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in location)


def _problem(error: Any) -> str:
    """Pydantic's words for what is wrong, but a stored text's pattern in words."""
    pattern = (error.get("ctx") or {}).get("pattern")
    if error["type"] == "string_pattern_mismatch" and pattern in (ONE_LINE, LINES):
        return CONTROL_CHARACTER
    return str(error["msg"])


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(
        _: Request, error: RequestValidationError
    ) -> JSONResponse:
        errors = [
            {"field": _field(e["loc"]), "problem": _problem(e), "type": e["type"]}
            for e in error.errors()
        ]
        message = "; ".join(f"{e['field']}: {e['problem']}" for e in errors)
        return problem(422, "invalid_request", message, errors=jsonable_encoder(errors))

    @app.exception_handler(InvalidParameter)
    async def bad_parameter(_: Request, error: InvalidParameter) -> JSONResponse:
        field = {"field": error.field, "problem": str(error)}
        return problem(422, "invalid_request", str(error), errors=[field])

    @app.exception_handler(NotAuthenticated)
    async def unauthenticated(_: Request, error: NotAuthenticated) -> JSONResponse:
        response = problem(401, NotAuthenticated.code, str(error))
        response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def database_down(request: Request, error: Exception) -> JSONResponse:
        log.warning(
            "database unavailable on %s %s: %s",
            request.method,
            route_of(request.scope),
            error,
        )
        breaker = getattr(request.app.state, "breaker", None)
        if breaker is not None:  # opened only if the database fails a ping too
            await run_in_threadpool(breaker.trip_if_down)
        return database_unavailable()

    async def refused(_: Request, error: Exception) -> JSONResponse:
        refusal = next(c for c in type(error).__mro__ if c in REFUSAL_STATUS)
        response = problem(REFUSAL_STATUS[refusal], _code(error), str(error))
        if refusal in RETRY_AFTER:
            response.headers["Retry-After"] = RETRY_AFTER[refusal]
        return response

    for kind in REFUSAL_STATUS:
        app.add_exception_handler(kind, refused)

    @app.exception_handler(GroupMemberRefused)
    async def member_refused(_: Request, error: GroupMemberRefused) -> JSONResponse:
        why = error.values["why"]
        return problem(
            422,
            error.code,
            error.message,
            position=error.values["position"],
            trajectory_id=str(error.values["trajectory_id"]),
            refusal=getattr(why, "code", None),
        )

    @app.exception_handler(AlreadyRegistered)
    async def registered(_: Request, error: AlreadyRegistered) -> JSONResponse:
        ids = [str(i) for i in error.participant_ids]
        return problem(422, error.code, error.message, participant_ids=ids)

    @app.exception_handler(VersionConflict)
    async def conflict(_: Request, error: VersionConflict) -> JSONResponse:
        response = problem(
            409, "version_conflict", str(error), current_version=error.current
        )
        response.headers["ETag"] = f'"{error.current}"'
        return response

    @app.exception_handler(IntegrityError)
    async def integrity(_: Request, error: IntegrityError) -> JSONResponse:
        return problem(409, "conflict", "a concurrent write got there first; retry")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(
        request: Request, error: StarletteHTTPException
    ) -> JSONResponse:
        if error.status_code == 400:  # a body that cannot be parsed at all
            detail = str(error.detail)
            if detail == "There was an error parsing the body":  # FastAPI's words
                detail = (
                    "the body cannot be read as JSON: it is malformed, or nested "
                    "too deep"
                )
            field = {"field": "body", "problem": detail}
            return problem(422, "invalid_request", detail, errors=[field])
        code = {404: "not_found", 405: "method_not_allowed"}.get(
            error.status_code, "http_error"
        )
        response = problem(error.status_code, code, str(error.detail))
        response.headers.update(error.headers or {})
        if error.status_code == 405:  # every method the path takes, not one route's
            response.headers["Allow"] = ", ".join(allowed_methods(request))
        return response

    @app.exception_handler(ChainOutOfStep)
    async def out_of_step(request: Request, error: ChainOutOfStep) -> JSONResponse:
        # Not the caller's doing: the store was changed outside the service.
        log.error("refused a write on %s: %s", route_of(request.scope), error)
        return problem(500, "history_out_of_step", str(error))

    @app.exception_handler(HistoryDamaged)
    async def damaged(request: Request, error: HistoryDamaged) -> JSONResponse:
        # Not the caller's doing either: an event was removed outside the service.
        log.error("cannot read a history on %s: %s", route_of(request.scope), error)
        return problem(500, HistoryDamaged.code, str(error))

    @app.exception_handler(MasterKeyError)
    @app.exception_handler(SealBroken)
    @app.exception_handler(DataKeyMissing)
    async def keys_broken(request: Request, error: Exception) -> JSONResponse:
        # Not the caller's doing: the keys or the store need an operator.
        log.error("cannot open personal data on %s: %s", route_of(request.scope), error)
        return problem(500, getattr(error, "code", "master_key_error"), str(error))

    # Any other exception: observability.RequestIds logs it and answers 500 with
    # the request's id (a handler here would run outside the request's context).


REPLAYED = "Idempotent-Replayed"  # header on an answer given again for a retry
