"""Stored trajectory events, decoded lean for the views.

The views fold events at scan speed, so they skip the library's mapper and the domain
objects: a stored event becomes an ``EventRecord`` holding the JSON the store holds.
Values the store wraps (``{"_type_": "date", "_data_": "2024-01-31"}``) stay wrapped
until a fold reads them with ``plain``; dates stay ISO strings, which compare in date
order. An event stored by an older version of its class is upcast first, as the
library's mapper would (``upcast``), and a retired code reads as its successor: a fold
reads every event in the code's shape and vocabulary.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from typing import NamedTuple
from uuid import UUID

import orjson
from eventsourcing.persistence import StoredEvent

from application.errors import StoredByNewerCode
from application.transcoding import RETIRED_CODES
from application.transcoding import stored_values
from application.versions import class_version
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
CODE_VERSIONS: dict[str, int] = {
    name: class_version(getattr(Trajectory, name)) for name in EVENT_TYPES
}
_VALUES = stored_values()


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


def reading() -> str:
    """How the views read stored events, where it differs from the first release:
    events of a version after 1, and retired codes. A view built under another
    reading is rebuilt (its fingerprint changes)."""
    versions = [f"{name} v{v}" for name, v in sorted(CODE_VERSIONS.items()) if v > 1]
    retired = [
        f"{codes.__name__}.{old}={new.value}"
        for codes, successors in sorted(RETIRED_CODES.items(), key=lambda c: str(c[0]))
        for old, new in sorted(successors.items(), key=str)
    ]
    return ",".join(versions + retired)


def decode(trajectory_id: UUID, version: int, topic: str, state: bytes) -> EventRecord:
    record = EventRecord(
        trajectory_id, version, topic[len(TOPIC_PREFIX) :], orjson.loads(state)
    )
    return in_codes_shape(record) if rereads(record.type, record.data) else record


def rereads(name: str, data: dict[str, Any]) -> bool:
    """Whether a stored event needs reading in the code's shape: it was stored by
    another version of its class than the code's (only those after 1 say their
    version), or some code is retired."""
    return bool(RETIRED_CODES) or data.get("class_version", 1) != CODE_VERSIONS.get(
        name, 1
    )


def in_codes_shape(record: EventRecord) -> EventRecord:
    """The event as the code reads it: upcast from its stored version, and each
    retired code read as its successor."""
    data = record.data
    if data.get("class_version", 1) != CODE_VERSIONS.get(record.type, 1):
        record = record._replace(data=upcast(record.type, data))
    if RETIRED_CODES:
        succeed_retired_codes(record.data)  # in place
    return record


def succeed_retired_codes(data: dict[str, Any]) -> None:
    """Each retired code in the event (at any depth: a field, a list, a placement)
    replaced by its successor's, as the mapper reads it (``RETIRED_CODES``)."""
    retired = {
        f"enum:{codes.__name__}": {old: new.value for old, new in successors.items()}
        for codes, successors in RETIRED_CODES.items()
    }
    stack: list[Any] = [data]
    while stack:
        value = stack.pop()
        if value.__class__ is list:
            stack.extend(value)
        elif value.__class__ is dict:
            successors = retired.get(str(value.get("_type_")), {})
            if value.get("_data_").__class__ is str and value["_data_"] in successors:
                value["_data_"] = successors[value["_data_"]]
            stack.extend(value.values())


def upcast(name: str, data: dict[str, Any]) -> dict[str, Any]:
    """A stored event's JSON in the shape of the code's class: its values decoded,
    the class's upcasters run from the stored version up (they see values as the
    mapper gives them), and encoded again."""
    cls = getattr(Trajectory, name)
    state: dict[str, Any] = _VALUES.decode(orjson.dumps(data))
    stored = state.pop("class_version", 1)
    if stored > class_version(cls):
        raise StoredByNewerCode(cls.TOPIC, stored, class_version(cls))
    for old in range(stored, class_version(cls)):
        getattr(cls, f"upcast_v{old}_v{old + 1}")(state)
    upcast_data: dict[str, Any] = orjson.loads(_VALUES.encode(state))
    return upcast_data


def decode_stored(stored: Iterable[StoredEvent]) -> list[EventRecord]:
    return [
        decode(
            UUID(str(s.originator_id)), s.originator_version, s.topic, bytes(s.state)
        )
        for s in stored
    ]
