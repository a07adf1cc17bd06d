"""What a refusal can say: every code, the status it is answered with, and the
error answer the document declares for each status, with a model whose code is
one of that status's codes."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from enum import StrEnum
from typing import Any

from pydantic import ConfigDict
from pydantic import create_model

from interfaces.http.errors import REFUSAL_STATUS
from interfaces.http.errors import ConflictDetail
from interfaces.http.errors import ErrorDetail
from interfaces.http.errors import InvalidRequestDetail
from interfaces.http.openapi.headers import ETAG
from interfaces.http.openapi.headers import RETRY_AFTER
from interfaces.http.openapi.headers import WWW_AUTHENTICATE

# The codes the HTTP layer sends itself; every other code is an error class's
# ``code`` (``error_codes``).
HTTP_CODES: dict[str, str] = {
    "invalid_request": "a field, header or query parameter is malformed; "
    "detail.errors names each",
    "unauthenticated": "no bearer token, or an unknown or revoked one",
    "too_many_failed_authentications": "too many unknown tokens from one address",
    "body_too_large": "the request body is over the service's limit",
    "file_refused": "an import's file cannot be read (detail.message says why)",
    "unsupported_file_type": "an import's file is not CSV, XLSX or JSON Lines",
    "version_conflict": "If-Match named a version that is not the current one",
    "conflict": "a concurrent write got there first; retry",
    "database_unavailable": "the database cannot be reached or is too busy",
    "not_found": "no such path",
    "method_not_allowed": "the path does not take this method",
    "http_error": "another HTTP error of the framework",
    "internal_error": "an unexpected error; it was logged",
    "master_key_error": "the master key cannot open the data keys",
    "verification_failed": "a streamed verification failed (its last line)",
}
# The packages whose exception classes carry the codes of refusals.
ERROR_PACKAGES = ("domain", "application")
# The status the HTTP layer's own codes are answered with (the others are not an
# operation's: 405 a path's, 500 an operator's).
HTTP_CODE_STATUS: dict[str, int] = {
    "invalid_request": 422,
    "unauthenticated": 401,
    "too_many_failed_authentications": 429,
    "body_too_large": 413,
    "file_refused": 422,
    "unsupported_file_type": 415,
    "version_conflict": 409,
    "conflict": 409,
    "database_unavailable": 503,
    "not_found": 404,
}
# The status an error class is answered with (errors.install_error_handlers): that of
# the first class of its MRO found here.
ERROR_STATUS: dict[type[Exception], int] = REFUSAL_STATUS


def _import_all(package: str) -> None:
    root = importlib.import_module(package)
    for module in pkgutil.walk_packages(root.__path__, f"{package}."):
        importlib.import_module(module.name)


def subclasses(cls: type) -> Iterator[type]:
    subclass: type
    for subclass in cls.__subclasses__():
        yield subclass
        yield from subclasses(subclass)


def error_classes() -> Iterator[tuple[type[BaseException], str]]:
    """Every exception class of the domain and the application that has a code,
    with its code."""
    for package in ERROR_PACKAGES:
        _import_all(package)
    for error in subclasses(Exception):
        code = getattr(error, "code", None)
        if error.__module__.startswith(ERROR_PACKAGES) and isinstance(code, str):
            yield error, code


def codes_by_status() -> dict[int, list[str]]:
    """The codes each status of an operation can carry."""
    found: dict[int, set[str]] = {}
    for code, status in HTTP_CODE_STATUS.items():
        found.setdefault(status, set()).add(code)
    for error, code in error_classes():
        statuses = (ERROR_STATUS.get(cls) for cls in error.__mro__)
        answered = next((s for s in statuses if s is not None), None)
        if answered is not None:
            found.setdefault(answered, set()).add(code)
    return {status: sorted(codes) for status, codes in sorted(found.items())}


# Each status's name in the document: {name}Code, {name}ErrorDetail, {name}Error.
STATUS_NAMES = {
    401: "Unauthenticated",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    410: "Erased",
    413: "TooLarge",
    415: "UnsupportedType",
    422: "Unprocessable",
    429: "TooManyRequests",
    503: "Unavailable",
}
DETAIL_BASES: dict[int, type[ErrorDetail]] = {
    409: ConflictDetail,
    422: InvalidRequestDetail,
}


def _error_body(status: int, codes: list[str], example: dict[str, Any]) -> Any:
    """The body of an error answer of ``status``: its detail's code is one of
    ``codes``, an enum of its own."""
    name = STATUS_NAMES[status]
    code: Any = StrEnum(f"{name}Code", {c: c for c in codes})  # type: ignore[misc]
    code.__doc__ = f"The codes of a {status} answer."
    detail = create_model(
        f"{name}ErrorDetail",
        __base__=DETAIL_BASES.get(status, ErrorDetail),
        __module__=__name__,
        code=(code, ...),
    )
    detail.model_config["json_schema_extra"] = {"examples": [example["detail"]]}
    detail.model_rebuild(force=True)
    return create_model(
        f"{name}Error",
        __config__=ConfigDict(json_schema_extra={"examples": [example]}),
        __module__=__name__,
        detail=(detail, ...),
    )


CODES_BY_STATUS = codes_by_status()


def _error(
    status: int,
    description: str,
    code: str,
    message: str,
    headers: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    example = {"detail": {"code": code, "message": message, **extra}}
    answer: dict[str, Any] = {
        "model": _error_body(status, CODES_BY_STATUS[status], example),
        "description": description,
        "content": {"application/json": {"example": example}},
    }
    if headers:
        answer["headers"] = headers
    return answer


ERRORS: dict[int, dict[str, Any]] = {
    401: _error(
        401,
        "No bearer token, or an unknown or revoked one",
        "unauthenticated",
        "send a token: Authorization: Bearer <token>",
        {"WWW-Authenticate": WWW_AUTHENTICATE},
    ),
    403: _error(
        403,
        "The token's role may not do this, or (to staff) another organisation's "
        "records were asked for",
        "forbidden",
        "an evaluator token may not do this; it takes: staff, auditor",
    ),
    404: _error(
        404,
        "Unknown id or code, or a trajectory or participant of another organisation "
        "(to staff)",
        "trajectory_not_found",
        "trajectory 00000000-0000-4000-8000-000000000000 does not exist",
    ),
    409: _error(
        409,
        "Nothing was written: If-Match named a stale version (`version_conflict`, "
        "with `current_version` and the current ETag), a concurrent write got "
        "there first (`conflict`: retry), or a rebuild of the view is running "
        "(`rebuild_in_progress`)",
        "version_conflict",
        "00000000-0000-4000-8000-000000000000 was changed meanwhile: expected "
        "version 3, the current version is 4",
        {"ETag": ETAG},
        current_version=4,
    ),
    410: _error(
        410,
        "The participant was erased: their personal data can no longer be read or "
        "added to",
        "participant_erased",
        "the participant's personal data was erased",
    ),
    413: _error(
        413,
        "The request body is over the service's limit (TRAJECTORY_MAX_BODY_BYTES, "
        "256 KiB by default)",
        "body_too_large",
        "the request body is over 262144 bytes",
    ),
    415: _error(
        415,
        "An import's file is not one of the types the import reads: CSV, XLSX or "
        "JSON Lines",
        "unsupported_file_type",
        "send text/csv, application/vnd.openxmlformats-officedocument.spreadsheetml"
        ".sheet or application/x-ndjson",
    ),
    422: _error(
        422,
        "A domain rule was broken (detail.code names it) or the request is "
        "malformed (`invalid_request`: detail.errors names each field)",
        "date_before_referral",
        "intake on 2024-01-03 is before the referral on 2024-02-01",
    ),
    429: _error(
        429,
        "Too many requests with an unknown token from this address: retry after "
        "Retry-After seconds",
        "too_many_failed_authentications",
        "too many requests with an unknown token from this address; retry after 7 s",
        {"Retry-After": RETRY_AFTER},
    ),
    503: _error(
        503,
        "The database cannot be reached or is too busy (`database_unavailable`), "
        "or the service is busy with replays or a verification: retry after "
        "Retry-After seconds, with the same Idempotency-Key for a write",
        "database_unavailable",
        "the database cannot be reached or is too busy; retry after the "
        "Retry-After seconds",
        {"Retry-After": RETRY_AFTER},
    ),
}


def error_codes() -> list[str]:
    """Every code an error answer can carry: those of HTTP_CODES, and the ``code``
    of every exception class of the domain and the application."""
    codes = set(HTTP_CODES) | {code for _, code in error_classes()}
    return sorted(codes)
