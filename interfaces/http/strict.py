"""A query parameter a route does not take is refused, not ignored: a typo in a
filter (``?programe=``, ``?participant=``) would otherwise answer as if there were
no filter at all."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant

from interfaces.http.errors import InvalidParameter

NOT_CHECKED = ("/ui", "/docs", "/redoc", "/openapi.json")


def declared(dependant: Dependant) -> frozenset[str]:
    """The query parameters a route declares, its dependencies' included."""
    names = {param.alias for param in dependant.query_params}
    for dependency in dependant.dependencies:
        names |= declared(dependency)
    return frozenset(names)


async def known_query_only(request: Request) -> None:
    """A dependency of every API route: refuses a query parameter it does not take
    (422, naming the parameter and those it takes). The pages are left alone."""
    path = request.url.path
    route: Any = request.scope.get("route")
    if route is None or path == "/" or path.startswith(NOT_CHECKED):
        return
    taken = declared(route.dependant)
    unknown = sorted(set(request.query_params) - taken)
    if unknown:
        takes = ", ".join(sorted(taken)) or "no query parameters"
        raise InvalidParameter(
            f"query.{unknown[0]}",
            f"this route does not take {', '.join(unknown)}; it takes: {takes}",
        )
