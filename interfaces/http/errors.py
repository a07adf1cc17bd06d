"""Maps errors to HTTP answers: the body is ``{"detail": {"code", "message"}}``."""

import logging
from collections.abc import MutableMapping
from typing import Any

from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from application.access import Forbidden
from application.audit.chain import ChainOutOfStep
from application.privacy.keys import MasterKeyError
from application.privacy.sealing import SealBroken
from application.projections.view import RebuildInProgress
from application.trajectories import (
    DataKeyMissing,
    VerificationRunning,
    VersionConflict,
)
from application.views import ReplaysBusy
from domain.errors import DomainError, NotFound
from domain.participant import ParticipantErasedError

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


class ErrorBody(BaseModel):
    detail: ErrorDetail

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"detail": _NOT_FOUND_DETAIL}]}
    )


class ConflictDetail(ErrorDetail):
    current_version: int

    model_config = ConfigDict(json_schema_extra={"examples": [_CONFLICT_DETAIL]})


class ConflictBody(BaseModel):
    detail: ConflictDetail

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"detail": _CONFLICT_DETAIL}]}
    )


class InvalidRequestDetail(ErrorDetail):
    errors: list[dict[str, Any]] | None = None  # for code "invalid_request" only

    model_config = ConfigDict(
        json_schema_extra={"examples": [_INVALID_REQUEST_DETAIL, _RULE_BROKEN_DETAIL]}
    )


class InvalidRequestBody(BaseModel):
    detail: InvalidRequestDetail

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"detail": _INVALID_REQUEST_DETAIL},
                {"detail": _RULE_BROKEN_DETAIL},
            ]
        }
    )


def route_of(scope: MutableMapping[str, Any]) -> str:
    """The template of the route that answered (``/trajectories/{trajectory_id}``);
    the path itself for the fixed pages the framework adds (``/docs``), which have
    no values in it; "unmatched" when no route matched (a 404)."""
    route = scope.get("route")
    if route is not None:
        return str(route.path)
    return str(scope["path"]) if "endpoint" in scope else "unmatched"


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


def _field(location: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in location)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(
        _: Request, error: RequestValidationError
    ) -> JSONResponse:
        errors = [
            {"field": _field(e["loc"]), "problem": e["msg"], "type": e["type"]}
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

    @app.exception_handler(Forbidden)
    async def forbidden(_: Request, error: Forbidden) -> JSONResponse:
        return problem(403, error.code, error.message)

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
        if breaker is not None:
            breaker.trip()
        return database_unavailable()

    @app.exception_handler(ParticipantErasedError)
    async def erased(_: Request, error: ParticipantErasedError) -> JSONResponse:
        return problem(410, error.code, error.message)

    @app.exception_handler(NotFound)
    async def not_found(_: Request, error: NotFound) -> JSONResponse:
        return problem(404, error.code, error.message)

    @app.exception_handler(DomainError)
    async def rule_broken(_: Request, error: DomainError) -> JSONResponse:
        return problem(422, error.code, error.message)

    @app.exception_handler(VersionConflict)
    async def conflict(_: Request, error: VersionConflict) -> JSONResponse:
        response = problem(
            409, "version_conflict", str(error), current_version=error.current
        )
        response.headers["ETag"] = f'"{error.current}"'
        return response

    @app.exception_handler(RebuildInProgress)
    async def rebuilding(_: Request, error: RebuildInProgress) -> JSONResponse:
        return problem(409, error.code, str(error))

    @app.exception_handler(VerificationRunning)
    async def verifying(_: Request, error: VerificationRunning) -> JSONResponse:
        response = problem(503, error.code, str(error))
        response.headers["Retry-After"] = "10"
        return response

    @app.exception_handler(ReplaysBusy)
    async def busy(_: Request, error: ReplaysBusy) -> JSONResponse:
        response = problem(503, error.code, str(error))
        response.headers["Retry-After"] = "5"
        return response

    @app.exception_handler(IntegrityError)
    async def integrity(_: Request, error: IntegrityError) -> JSONResponse:
        return problem(409, "conflict", "a concurrent write got there first; retry")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 400:  # a body that cannot be parsed at all
            field = {"field": "body", "problem": str(error.detail)}
            return problem(422, "invalid_request", str(error.detail), errors=[field])
        code = {404: "not_found", 405: "method_not_allowed"}.get(
            error.status_code, "http_error"
        )
        return problem(error.status_code, code, str(error.detail))

    @app.exception_handler(ChainOutOfStep)
    async def out_of_step(request: Request, error: ChainOutOfStep) -> JSONResponse:
        # Not the caller's doing: the store was changed outside the service.
        log.error("refused a write on %s: %s", route_of(request.scope), error)
        return problem(500, "history_out_of_step", str(error))

    @app.exception_handler(MasterKeyError)
    @app.exception_handler(SealBroken)
    @app.exception_handler(DataKeyMissing)
    async def keys_broken(request: Request, error: Exception) -> JSONResponse:
        # Not the caller's doing: the keys or the store need an operator.
        log.error("cannot open personal data on %s: %s", route_of(request.scope), error)
        return problem(500, getattr(error, "code", "master_key_error"), str(error))

    # Any other exception: observability.RequestIds logs it and answers 500 with
    # the request's id (a handler here would run outside the request's context).


def _example(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"example": {"detail": {"code": code, "message": message, **extra}}}


def _response(model: type[BaseModel], description: str, **example: Any) -> Any:
    return {
        "model": model,
        "description": description,
        "content": {"application/json": _example(**example)},
    }


UNAUTHENTICATED = _response(
    ErrorBody,
    "No bearer token, or an unknown or revoked one",
    code="unauthenticated",
    message="send a token: Authorization: Bearer <token>",
)
FORBIDDEN = _response(
    ErrorBody,
    "The token's role may not do this",
    code="forbidden",
    message="a evaluator token may not do this; it takes: staff, auditor",
)
NOT_FOUND = _response(
    ErrorBody,
    "Unknown id or code, or a trajectory or participant of another organisation "
    "(to staff)",
    code="trajectory_not_found",
    message="trajectory 00000000-0000-4000-8000-000000000000 does not exist",
)
UNPROCESSABLE = _response(
    InvalidRequestBody,
    "A domain rule was broken (detail.code names it) or the request is malformed "
    "(detail.errors names each field)",
    code="date_before_referral",
    message="intake on 2024-01-03 is before the referral on 2024-02-01",
)
UNAVAILABLE = _response(
    ErrorBody,
    "The database cannot be reached or is too busy; retry after Retry-After",
    code="database_unavailable",
    message="the database cannot be reached or is too busy; retry after the "
    "Retry-After seconds",
)
CONFLICT = _response(
    ConflictBody,
    "If-Match named a stale version, or a concurrent write got there first: "
    "nothing was written",
    code="version_conflict",
    message="00000000-0000-4000-8000-000000000000 was changed meanwhile: expected "
    "version 3, the current version is 4",
    current_version=4,
)

REPLAYED = "Idempotent-Replayed"  # header on an answer given again for a retry

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: UNAUTHENTICATED,
    403: FORBIDDEN,
    404: NOT_FOUND,
    422: UNPROCESSABLE,
    503: UNAVAILABLE,
}
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {**ERROR_RESPONSES, 409: CONFLICT}
