"""What the use cases share in reading and registering aggregates: one read within
the caller's organisation, and one registration in the order of a log."""

from __future__ import annotations

import random
import time
from abc import ABC
from abc import abstractmethod
from collections.abc import Callable
from typing import Generic
from typing import Protocol
from typing import TypeVar
from typing import cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.application import Application
from eventsourcing.application import EventSourcedLog
from eventsourcing.domain import Aggregate
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import IntegrityError

from application.errors import VersionConflict
from application.idempotency import IdempotencyKey
from application.writes import Answer
from application.writes import Writes
from domain.errors import DomainError
from domain.errors import NotFound

A = TypeVar("A", bound=Aggregate)
R = TypeVar("R")  # a registration command
E = TypeVar("E", bound=DomainEvent)  # an entry of a log
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
    *,
    trusting: bool = False,
) -> A:
    """The aggregate; ``within`` an organisation, another's is not found;
    ``trusting`` as ``Writes.get`` takes it."""
    try:
        aggregate = writes.get(aggregate_id, kind, trusting=trusting)
    except AggregateNotFoundError:
        raise not_found(aggregate_id) from None
    if within is not None and cast(Owned, aggregate).organisation != within:
        raise not_found(aggregate_id)
    return aggregate


class Registry(ABC, Generic[A, R, E]):
    """Aggregates registered once each, in the order of a log (the programme
    catalogue, the coaches): a registration ``R`` stores the new aggregate with the
    log's next entry ``E``, in one transaction."""

    def __init__(
        self, app: Application[UUID], writes: Writes, log_id: UUID, entry: type[E]
    ) -> None:
        self.app = app
        self.writes = writes
        self.log_id = log_id
        self.log: EventSourcedLog[E] = EventSourcedLog(app.events, log_id, entry)

    def register(
        self,
        registration: R,
        *,
        recorded_by: str,
        key: IdempotencyKey | None = None,
    ) -> Answer:
        """Registers a new one; one registered already is refused."""
        return self.writes.answer(
            key, lambda: self._register(registration, recorded_by)
        )

    @abstractmethod
    def _register(self, registration: R, recorded_by: str) -> A: ...

    def in_log(
        self,
        aggregate: A,
        logged: Callable[[], E],
        already: Callable[[], DomainError],
    ) -> A:
        """Stores a new aggregate with ``logged()``, the log's next entry, in one
        transaction; one of its id stored already is refused with ``already()``."""
        # A failed save has taken the aggregate's new events already: each attempt
        # saves them again, beside the log's next entry.
        events = cast(list[DomainEvent], list(aggregate.collect_events()))
        for _ in range(ATTEMPTS):
            if aggregate.id in self.writes.app.repository:
                raise already()
            entry = logged()
            try:
                self.writes.store(aggregate, *events, entry)
            except IntegrityError:  # another registration took the log's next position
                time.sleep(random.uniform(0, BACKOFF_SECONDS))
                continue
            return aggregate
        raise VersionConflict(self.log_id, None, self.writes.version_of(self.log_id))
