"""What the pages that list things share: their filters, where one left empty means
no filter, and the pages of a long list."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from typing import Annotated
from urllib.parse import urlencode
from uuid import UUID

from fastapi import Query
from fastapi import Request

from application.access import Caller
from application.service import Trajectories
from domain.errors import InvalidValue
from domain.programme import Programme
from interfaces.http.deps import NO_NUL

Filter = Annotated[str | None, Query(max_length=200, pattern=NO_NUL)]


def blank_is_none(value: str | None) -> str | None:
    """A filter left empty in the form means no filter."""
    return value.strip() or None if value is not None else None


def coach_id_of(chosen: str | None) -> UUID | None:
    """The coach a filter chose by id; empty: none."""
    try:
        return UUID(chosen) if chosen else None
    except ValueError:
        raise InvalidValue("the coach chosen is not in the list") from None


def pages_of(total: int, size: int) -> int:
    """The pages a list of ``total`` rows takes, ``size`` a page: one at least."""
    return max(1, -(-total // size))


def page_links(request: Request) -> Callable[[int], str]:
    """A page's address: this page's query with another page number."""
    return lambda n: "?" + urlencode({**request.query_params, "page": n})


def organisations_of(programmes: Iterable[Programme]) -> list[tuple[str, str]]:
    """The organisations that run a programme, as (value, words) by name."""
    return [(o, o) for o in sorted({o for p in programmes for o in p.organisations})]


def coaches_to_choose(
    service: Trajectories, caller: Caller, organisation: str | None
) -> list[tuple[str, str]]:
    """The organisation's coaches (every coach for None) as (id, words): by name,
    and by organisation for a reader of every organisation."""
    return [
        (str(c.id), c.name if caller.within else f"{c.name} ({c.organisation})")
        for c in service.coaches_of(organisation)
    ]
