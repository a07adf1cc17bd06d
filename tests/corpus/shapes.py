"""The shape of every stored event and snapshot the code reads, by version, and the
codes of every vocabulary: ``shapes.json`` keeps them, release after release.

``python -m tests.corpus.shapes`` adds the shapes of new versions (and new event
types, and new codes) to ``shapes.json``; it never changes one that is there. The
test beside it refuses a class whose shape changed without a new ``class_version``
and its upcaster, and a code that was removed.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from enum import Enum
from pathlib import Path
from typing import Any

from application.versions import class_version
from application.versions import event_classes
from domain.commands import COMMAND_FOR_EVENT
from domain.commands import RetractEntry
from domain.trajectory import Placement
from domain.vocabulary import ALL_ENUMS
from tests.domain.builders import referred

SHAPES = Path(__file__).parent / "shapes.json"
LIBRARY_STATE = frozenset(
    {"_id", "_version", "_pending_events", "_created_on", "_modified_on"}
)


def event_shape(cls: type[Any]) -> dict[str, str]:
    """Each field of the event class, with its annotation as written."""
    return {field.name: str(field.type) for field in dataclasses.fields(cls)}


def trajectory_state_shape() -> list[str]:
    """What a Trajectory snapshot holds: its attributes, a placement's fields, and
    the journal's entries, each the data of an event of its version (so a new
    version of a trajectory event is a new version of the snapshot)."""
    from domain.trajectory import Trajectory

    attributes = [name for name in vars(referred()) if name not in LIBRARY_STATE]
    placement = [f"placements[].{f.name}" for f in dataclasses.fields(Placement)]
    journal = [
        f"journal[].{name} v{class_version(getattr(Trajectory, name))}"
        for name in COMMAND_FOR_EVENT
        if name != RetractEntry.event_type
    ]
    return sorted(attributes + placement + journal)


def current() -> dict[str, Any]:
    from domain.trajectory import Trajectory

    return {
        "events": {
            topic: {str(class_version(cls)): event_shape(cls)}
            for topic, cls in sorted(event_classes())
        },
        "snapshots": {
            Trajectory.Snapshot.TOPIC: {
                str(class_version(Trajectory)): trajectory_state_shape()
            }
        },
        "vocabulary": {
            enum.__name__: [str(member.value) for member in enum]
            for enum in sorted(ALL_ENUMS, key=lambda e: e.__name__)
        },
    }


def kept() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SHAPES.read_text())
    return loaded


def added(known: dict[str, Any], now: dict[str, Any]) -> dict[str, Any]:
    """``known`` with what ``now`` adds: new versions and topics, new codes."""
    merged: dict[str, Any] = json.loads(json.dumps(known))
    for part in ("events", "snapshots"):
        for topic, versions in now[part].items():
            for version, shape in versions.items():
                merged[part].setdefault(topic, {}).setdefault(version, shape)
    for name, codes in now["vocabulary"].items():
        kept_codes = merged["vocabulary"].setdefault(name, [])
        kept_codes += [code for code in codes if code not in kept_codes]
    return merged


def main() -> int:
    known = (
        kept() if SHAPES.exists() else {"events": {}, "snapshots": {}, "vocabulary": {}}
    )
    SHAPES.write_text(
        json.dumps(added(known, current()), indent=1, sort_keys=True) + "\n"
    )
    print(f"wrote {SHAPES}")
    return 0


def codes(enum: type[Enum]) -> set[str]:
    return {str(member.value) for member in enum}


if __name__ == "__main__":
    sys.exit(main())
