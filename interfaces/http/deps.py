"""Dependencies shared by the routes, as ``Annotated`` aliases."""

import re
from typing import Annotated

from fastapi import Depends, Header, Request

from application.trajectories import Trajectories
from application.views import Views
from interfaces.http.errors import InvalidParameter

VERSION_TAG = re.compile(r"[1-9][0-9]{0,17}", re.ASCII)
NO_NUL = r"^[^\x00]*$"  # a text filter with a NUL byte is refused, not sent to SQL


def get_service(request: Request) -> Trajectories:
    service: Trajectories = request.app.state.service
    return service


def current_actor(
    x_recorded_by: Annotated[
        str,
        Header(
            min_length=1,
            max_length=200,
            description="The staff member who records this (replaced by the bearer "
            "token's identity once tokens exist).",
            examples=["Hilde (jobcoach)"],
        ),
    ],
) -> str:
    return x_recorded_by.strip() or "unknown"


def expected_version(
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


def get_views(request: Request) -> Views:
    views: Views = request.app.state.views
    return views


Service = Annotated[Trajectories, Depends(get_service)]
ViewsDep = Annotated[Views, Depends(get_views)]
Actor = Annotated[str, Depends(current_actor)]
ExpectedVersion = Annotated[int | None, Depends(expected_version)]
