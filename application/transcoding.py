"""How the values in events are stored as JSON: dates as ISO text, each vocabulary
code as its value, a placement as its fields.

The library looks transcodings up by exact type, so every enum class gets its own.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from enum import Enum
from typing import Any

from eventsourcing.persistence import DatetimeAsISO
from eventsourcing.persistence import DecimalAsStr
from eventsourcing.persistence import JSONTranscoder
from eventsourcing.persistence import Transcoding
from eventsourcing.persistence import UUIDAsHex

from application.privacy.sealing import SealedAsDict
from domain.trajectory import Placement
from domain.vocabulary import ALL_ENUMS


class DateAsISO(Transcoding):
    type = date
    name = "date"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


# Codes stored in events that a vocabulary no longer has, each with the member that
# replaced it: a stored event reads with the successor. A code is never reused.
RETIRED_CODES: dict[type[Enum], dict[Any, Enum]] = {}


class EnumAsValue(Transcoding):
    """One transcoding per enum class: the library looks them up by exact type. A
    retired code reads as its successor (``RETIRED_CODES``)."""

    def __init__(self, enum_class: type[Enum]) -> None:
        self.type = enum_class
        self.name = f"enum:{enum_class.__name__}"
        self.enum_class = enum_class
        self.retired = RETIRED_CODES.get(enum_class, {})

    def encode(self, obj: Enum) -> Any:
        return obj.value

    def decode(self, data: Any) -> Enum:
        successor = self.retired.get(data)
        return successor if successor is not None else self.enum_class(data)


class PlacementAsDict(Transcoding):
    type = Placement
    name = "placement"

    def encode(self, obj: Placement) -> dict[str, Any]:
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}

    def decode(self, data: dict[str, Any]) -> Placement:
        return Placement(**data)


def register_domain_transcodings(transcoder: JSONTranscoder) -> None:
    """What the service stores besides the library's own (UUIDs, decimals,
    datetimes): sealed values, dates, placements and codes."""
    transcoder.register(SealedAsDict())
    transcoder.register(DateAsISO())
    transcoder.register(PlacementAsDict())
    for enum_class in ALL_ENUMS:
        transcoder.register(EnumAsValue(enum_class))


def stored_values() -> JSONTranscoder:
    """A transcoder that reads stored events' values as the service's does."""
    transcoder = JSONTranscoder()
    for library in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(library)
    register_domain_transcodings(transcoder)
    return transcoder
