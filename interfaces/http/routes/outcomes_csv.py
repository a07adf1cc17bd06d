"""``GET /outcomes.csv``: the outcome figures of ``GET /outcomes`` as CSV, for a
client that cannot choose a content type by ``Accept`` (as generated clients)."""

import functools
from typing import Any

from fastapi import APIRouter
from fastapi import Request
from fastapi import Response

from interfaces.http.openapi import READ
from interfaces.http.routes import outcomes

router = APIRouter(tags=["views"])

CSV = outcomes.CSV


@router.get(
    "/outcomes.csv",
    name="outcomes_csv",
    response_class=Response,
    response_model=None,
    responses={
        **READ,
        200: {
            "description": "One row per group, one column per figure",
            "content": {CSV: {"schema": {"type": "string"}}},
        },
    },
)
@functools.wraps(outcomes.outcomes)
def outcomes_csv(**parameters: Any) -> Any:
    """The outcome figures of GET /outcomes, with the same parameters, as CSV."""
    request: Request = parameters["request"]
    headers = [(k, v) for k, v in request.scope["headers"] if k != b"accept"]
    as_csv = Request({**request.scope, "headers": [*headers, (b"accept", b"text/csv")]})
    return outcomes.outcomes(**{**parameters, "request": as_csv})
