"""What the use cases share in reading and registering aggregates: one read within
the caller's organisation, and one registration in the order of a log."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Protocol
from typing import TypeVar
from typing import cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import IntegrityError

from application.errors import VersionConflict
from application.writes import Writes
from domain.errors import DomainError
from domain.errors import NotFound

A = TypeVar("A", bound=Aggregate)
# Registrations racing for the log's next position: each round one of them wins, so
# a registration gives up only after this many others won before it; each loser
# waits a few random milliseconds, so that the same ones do not meet again at once.
ATTEMPTS = 20
BACKOFF_SECONDS = 0.005


class Owned(Protocol):
    @property
    def organisation(self) -> str | None: ...


def owned(
    writes: Writes,
    aggregate_id: UUID,
    kind: type[A],
    within: str | None,
    not_found: Callable[[UUID], NotFound],
) -> A:
    """The aggregate; ``within`` an organisation, another's is not found."""
    try:
        aggregate = writes.get(aggregate_id, kind)
    except AggregateNotFoundError:
        raise not_found(aggregate_id) from None
    if within is not None and cast(Owned, aggregate).organisation != within:
        raise not_found(aggregate_id)
    return aggregate


def register_in_log(
    writes: Writes,
    log_id: UUID,
    aggregate: A,
    logged: Callable[[], DomainEvent],
    already: Callable[[], DomainError],
) -> A:
    """Stores a new aggregate with ``logged()``, the log's next entry, in one
    transaction; one of its id stored already is refused with ``already()``."""
    # A failed save has taken the aggregate's new events already: each attempt
    # saves them again, beside the log's next entry.
    events = cast(list[DomainEvent], list(aggregate.collect_events()))
    for _ in range(ATTEMPTS):
        if aggregate.id in writes.app.repository:
            raise already()
        entry = logged()
        try:
            writes.store(aggregate, *events, entry)
        except IntegrityError:  # another registration took the log's next position
            time.sleep(random.uniform(0, BACKOFF_SECONDS))
            continue
        return aggregate
    raise VersionConflict(log_id, None, writes.version_of(log_id))
