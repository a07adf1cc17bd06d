"""Snapshots must follow from the events: a state read through a snapshot (as every
read of a long trajectory is) has to equal the state replayed from the events alone.

A snapshot is not part of any chain (it is derived, and taken after the fact), so a
changed snapshot would change what staff see while every chain still holds. This
check replays each snapshotted history once, from its first event, and compares the
state at every snapshot's version. A snapshot's own time is in no state either: it
must be a time with its zone, not before the event at its version was recorded (a
snapshot is taken after it) and not after the check read it, give or take
``CLOCK_SKEW`` between the clocks of the machines that wrote them.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any
from uuid import UUID

from application.audit.findings import Break
from application.audit.findings import BrokenLink

CLOCK_SKEW = timedelta(minutes=5)
IGNORED = frozenset({"_pending_events"})  # never part of a snapshot


def check_snapshots(
    aggregate_ids: Iterable[UUID],
    snapshots_of: Callable[[UUID], Iterator[Any]],
    events_of: Callable[[UUID, int], Iterator[Any]],
) -> Iterator[BrokenLink]:
    """The first snapshot of each history that differs from its replay."""
    for aggregate_id in aggregate_ids:
        try:
            broken = _check(aggregate_id, snapshots_of, events_of)
        except Exception as error:  # an event changed beyond decoding, say
            broken = _broken(
                aggregate_id, 0, f"the history cannot be replayed: {error}"
            )
        if broken is not None:
            yield broken


def _check(
    aggregate_id: UUID,
    snapshots_of: Callable[[UUID], Iterator[Any]],
    events_of: Callable[[UUID, int], Iterator[Any]],
) -> BrokenLink | None:
    snapshots = list(snapshots_of(aggregate_id))
    now = datetime.now(UTC)  # after they were read
    if not snapshots:
        return None
    pending = iter(snapshots)
    snapshot = next(pending, None)
    aggregate: Any = None
    last = snapshots[-1].originator_version
    for event in events_of(aggregate_id, last):
        aggregate = event.mutate(aggregate)
        while snapshot is not None and snapshot.originator_version <= (
            event.originator_version
        ):
            version = snapshot.originator_version
            if version < event.originator_version:
                return _broken(
                    aggregate_id, version, f"no stored event has version {version}"
                )
            if _state(snapshot.mutate(None)) != _state(aggregate):
                return _broken(
                    aggregate_id,
                    version,
                    f"the snapshot at version {version} differs from the state "
                    "replayed from the events",
                )
            wrong_time = _wrong_time(snapshot.timestamp, event.timestamp, now)
            if wrong_time:
                return _broken(
                    aggregate_id,
                    version,
                    f"the snapshot at version {version} is dated {wrong_time}",
                )
            snapshot = next(pending, None)
    if snapshot is not None:
        version = snapshot.originator_version
        return _broken(aggregate_id, version, f"no stored event has version {version}")
    return None


def _wrong_time(taken: Any, recorded: datetime, now: datetime) -> str | None:
    """What is wrong with a snapshot's time, if anything."""
    if not isinstance(taken, datetime) or taken.tzinfo is None:
        return f"{taken!r}, which is not a time with its zone"
    if taken < recorded - CLOCK_SKEW:
        return (
            f"{taken.isoformat()}, before the event at its version was recorded "
            f"({recorded.isoformat()})"
        )
    if taken > now + CLOCK_SKEW:
        return f"{taken.isoformat()}, after this verification read it"
    return None


def _state(aggregate: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(aggregate).items() if k not in IGNORED}


def _broken(aggregate_id: UUID, version: int, message: str) -> BrokenLink:
    return BrokenLink(aggregate_id, version, Break.SNAPSHOT, message)
