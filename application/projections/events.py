"""Stored trajectory events, decoded lean for the views.

The views fold events at scan speed, so they skip the library's mapper and the domain
objects: a stored event becomes an ``EventRecord`` holding the JSON the store holds.
Values the store wraps (``{"_type_": "date", "_data_": "2024-01-31"}``) stay wrapped
until a fold reads them with ``plain``; dates stay ISO strings, which compare in date
order.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple
from uuid import UUID

import orjson
from eventsourcing.persistence import StoredEvent

from domain.trajectory import Trajectory

TOPIC_PREFIX = "trajectory:"
EVENT_TYPES: tuple[str, ...] = tuple(
    name
    for name, value in vars(Trajectory).items()
    if isinstance(value, type)
    and issubclass(value, Trajectory.Event)
    and name not in ("Event", "Created")
)
TRAJECTORY_TOPICS: tuple[str, ...] = tuple(TOPIC_PREFIX + name for name in EVENT_TYPES)
assert all(getattr(Trajectory, t).TOPIC == TOPIC_PREFIX + t for t in EVENT_TYPES)


class EventRecord(NamedTuple):
    trajectory_id: UUID
    version: int
    type: str
    data: dict[str, Any]

    @property
    def recorded_at(self) -> str:
        """When the store recorded it: an ISO timestamp in UTC."""
        return str(plain(self.data["timestamp"]))

    @property
    def business_date(self) -> str:
        """The date the event says it happened on (ISO), or the recording date."""
        data = self.data
        value = data.get("on", data.get("observed_on"))
        return str(plain(value)) if value is not None else self.recorded_at[:10]


def plain(value: Any) -> Any:
    """A stored value without the store's type wrapper: a date or enum as its ISO
    string or code, a list of enum codes as codes."""
    if value.__class__ is dict:
        return value["_data_"]
    if value.__class__ is list:
        return [v["_data_"] if v.__class__ is dict else v for v in value]
    return value


def decode(trajectory_id: UUID, version: int, topic: str, state: bytes) -> EventRecord:
    return EventRecord(
        trajectory_id, version, topic[len(TOPIC_PREFIX) :], orjson.loads(state)
    )


def decode_stored(stored: Iterable[StoredEvent]) -> list[EventRecord]:
    return [
        decode(
            UUID(str(s.originator_id)), s.originator_version, s.topic, bytes(s.state)
        )
        for s in stored
    ]
