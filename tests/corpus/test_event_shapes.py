"""A stored event's shape never changes under the same version: a changed event or
snapshot class needs the next ``class_version`` and the upcaster that reads the
version before it; a stored code is never removed without a successor."""

from __future__ import annotations

from typing import Any

import pytest

from application.transcoding import RETIRED_CODES
from application.versions import class_version
from application.versions import event_classes
from domain.trajectory import Trajectory
from domain.vocabulary import ALL_ENUMS
from tests.corpus import shapes

KEPT = shapes.kept()
CLASSES = dict(event_classes())
NOW = shapes.current()


def shape_problems(part: str, topic: str, cls: type[Any]) -> list[str]:
    """What is wrong with a class against the shapes kept for its topic."""
    versions = KEPT[part].get(topic, {})
    version = class_version(cls)
    now = NOW[part][topic][str(version)]
    if str(version) not in versions:
        return [
            f"{topic} version {version} is not in shapes.json: run "
            "`python -m tests.corpus.shapes` to add it"
        ]
    if versions[str(version)] != now:
        return [
            f"{topic} changed shape under version {version}: give it class_version "
            f"{version + 1} and an upcast_v{version}_v{version + 1}"
        ]
    return [
        f"{topic} has no upcast_v{old}_v{old + 1} for its stored version {old}"
        for old in range(1, version)
        if not hasattr(cls, f"upcast_v{old}_v{old + 1}")
    ]


@pytest.mark.parametrize("topic", sorted(CLASSES))
def test_each_event_class_keeps_its_shape_or_is_versioned(topic: str) -> None:
    assert shape_problems("events", topic, CLASSES[topic]) == []


def test_the_trajectory_snapshot_keeps_its_shape_or_is_versioned() -> None:
    topic = Trajectory.Snapshot.TOPIC

    assert shape_problems("snapshots", topic, Trajectory) == []


def test_every_stored_event_type_can_still_be_read() -> None:
    """Retiring an event type keeps its class: stored events of it must load."""
    assert set(KEPT["events"]) - set(CLASSES) == set()


@pytest.mark.parametrize("enum", ALL_ENUMS, ids=lambda e: e.__name__)
def test_every_stored_code_still_reads(enum: Any) -> None:
    gone = set(KEPT["vocabulary"].get(enum.__name__, [])) - shapes.codes(enum)

    assert gone - set(RETIRED_CODES.get(enum, {})) == set(), (
        f"{enum.__name__} lost codes that stored events hold: map each to its "
        "successor in application.transcoding.RETIRED_CODES"
    )


def test_a_changed_shape_under_the_same_version_is_refused() -> None:
    topic = "trajectory:LadderAssessed"
    cls = CLASSES[topic]
    saved = NOW["events"][topic]["1"]
    NOW["events"][topic]["1"] = {**saved, "rung": "str"}
    try:
        problems = shape_problems("events", topic, cls)
    finally:
        NOW["events"][topic]["1"] = saved

    assert problems == [
        f"{topic} changed shape under version 1: give it class_version 2 and an "
        "upcast_v1_v2"
    ]


def test_a_version_without_its_upcaster_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    topic = "trajectory:IntakeCompleted"
    [owner] = [c for c in CLASSES[topic].__mro__ if "upcast_v1_v2" in vars(c)]
    monkeypatch.delattr(owner, "upcast_v1_v2")

    assert shape_problems("events", topic, CLASSES[topic]) == [
        f"{topic} has no upcast_v1_v2 for its stored version 1"
    ]
