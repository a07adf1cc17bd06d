"""Maps errors to HTTP answers: the body is ``{"detail": {"code", "message"}}``."""

import logging
from typing import Any

from eventsourcing.persistence import IntegrityError
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from application.projections.view import RebuildInProgress
from application.trajectories import VersionConflict
from application.views import ReplaysBusy
from domain.errors import DomainError, NotFound
from domain.participant import ParticipantErasedError

log = logging.getLogger("trajectory.http")


class InvalidParameter(Exception):
    """A header or query parameter that FastAPI's validation cannot judge alone."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    detail: ErrorDetail


class ConflictDetail(ErrorDetail):
    current_version: int


class ConflictBody(BaseModel):
    detail: ConflictDetail


class InvalidRequestDetail(ErrorDetail):
    errors: list[dict[str, Any]] | None = None  # for code "invalid_request" only


class InvalidRequestBody(BaseModel):
    detail: InvalidRequestDetail


def problem(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    detail = {"code": code, "message": message, **extra}
    return JSONResponse(status_code=status, content={"detail": detail})


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

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem(500, "internal_error", "an unexpected error; it was logged")


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "Unknown id or code"},
    422: {
        "model": InvalidRequestBody,
        "description": "A domain rule was broken (detail.code names it) or the "
        "request is malformed (detail.errors names each field)",
    },
}
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    409: {
        "model": ConflictBody,
        "description": "If-Match named a stale version: nothing was written",
    },
}
