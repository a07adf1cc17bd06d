"""Aggregates from their events, starting at a snapshot only where the code can read
it.

A snapshot holds an aggregate's state as the code of its day kept it, with that
code's ``class_version``. A snapshot of an older version is upcast by the aggregate's
``upcast_vN_vN+1`` methods; one the code cannot upcast (an upcaster missing), or one
of a newer version than the code (written before a rollback), is ignored, and the
aggregate is replayed from its first event: a snapshot is never misread. The next
snapshot the interval takes is of the code's version.
"""

from __future__ import annotations

from itertools import chain
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.application import ProjectorFunction
from eventsourcing.application import Repository
from eventsourcing.domain import OriginatorVersionError
from eventsourcing.domain import TDomainEvent
from eventsourcing.domain import TMutableOrImmutableAggregate
from eventsourcing.utils import resolve_topic

from application.audit.chain import HistoryDamaged


def readable(snapshot: Any) -> bool:
    """Whether the code can read the snapshot's state: of its own version, or an
    older one with an upcaster for every step."""
    code = getattr(resolve_topic(snapshot.topic), "class_version", 1)
    stored = snapshot.state.get("class_version", 1)
    if stored > code:
        return False
    aggregate = resolve_topic(snapshot.topic)
    return all(hasattr(aggregate, f"upcast_v{v}_v{v + 1}") for v in range(stored, code))


class VersionedRepository(Repository[UUID]):
    def get(self, aggregate_id: UUID, *args: Any, **kwargs: Any) -> Any:
        """As the library's; a history with a version missing (an event removed
        outside the service) is ``HistoryDamaged``, named, not the library's
        ``OriginatorVersionError``."""
        try:
            return super().get(aggregate_id, *args, **kwargs)
        except OriginatorVersionError as error:
            raise HistoryDamaged(aggregate_id, str(error)) from error

    def _reconstruct_aggregate(
        self,
        aggregate_id: UUID,
        version: int | None,
        projector_func: ProjectorFunction[TMutableOrImmutableAggregate, TDomainEvent],
    ) -> TMutableOrImmutableAggregate:
        snapshots: list[Any] = []
        if self.snapshot_store is not None:
            latest = self.snapshot_store.get(
                originator_id=aggregate_id, desc=True, limit=1, lte=version
            )
            snapshots = [s for s in latest if readable(s)]
        after = snapshots[0].originator_version if snapshots else None
        events = self.event_store.get(originator_id=aggregate_id, gt=after, lte=version)
        aggregate = projector_func(None, chain(snapshots, events))  # type: ignore[arg-type]
        if aggregate is None:
            raise AggregateNotFoundError(
                f"Aggregate {aggregate_id!r} version {version!r} not found."
            )
        return aggregate
