"""A snapshot of another version than the code's Trajectory is upcast, or ignored and
the trajectory replayed from its events: never misread. The corpus' snapshots are of
version 1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from domain.trajectory import Trajectory
from tests.corpus import rows
from tests.corpus.test_corpus import CORPORA
from tests.corpus.test_corpus import corpus
from tests.corpus.test_corpus import loaded

RELEASE = CORPORA[0]


def snapshotted(stored: dict[str, Any], wanted: dict[str, Any]) -> str:
    """A trajectory of the corpus with a snapshot (the longest one)."""
    ids = {str(UUID(row[0])) for row in stored["snapshots"]}
    snapshotted = [t for t in wanted["trajectories"] if t in ids]
    return str(
        max(snapshotted, key=lambda t: len(wanted["trajectories"][t]["history"]))
    )


def state_of(url: str, stored: dict[str, Any], trajectory_id: str) -> Any:
    service = loaded(url, stored)
    try:
        trajectory = service.trajectory(UUID(trajectory_id))
        return trajectory, service.history(trajectory.id)
    finally:
        service.close()


def test_an_older_snapshot_is_upcast(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored, wanted = corpus(RELEASE, "sqlite")
    trajectory_id = snapshotted(stored, wanted)
    monkeypatch.setattr(Trajectory, "class_version", 2, raising=False)

    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["read_from_a_snapshot"] = True

    monkeypatch.setattr(
        Trajectory, "upcast_v1_v2", staticmethod(upcast_v1_v2), raising=False
    )

    trajectory, _ = state_of(f"sqlite:///{tmp_path}/s.db", stored, trajectory_id)

    assert vars(trajectory).get("read_from_a_snapshot") is True
    assert trajectory.version == len(wanted["trajectories"][trajectory_id]["history"])


def test_an_older_snapshot_without_an_upcaster_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored, wanted = corpus(RELEASE, "sqlite")
    trajectory_id = snapshotted(stored, wanted)
    monkeypatch.setattr(Trajectory, "class_version", 2, raising=False)

    trajectory, _ = state_of(f"sqlite:///{tmp_path}/s.db", stored, trajectory_id)

    assert (
        trajectory.stage.value
        == wanted["trajectories"][trajectory_id]["state"]["stage"]
    )
    assert trajectory.version == len(wanted["trajectories"][trajectory_id]["history"])


def test_a_snapshot_newer_than_the_code_is_ignored(tmp_path: Path) -> None:
    """As after a rollback: the newer code's snapshot, the older code's state."""
    stored, wanted = corpus(RELEASE, "sqlite")
    trajectory_id = snapshotted(stored, wanted)
    for row in stored["snapshots"]:
        if str(UUID(row[0])) == trajectory_id:
            snapshot = json.loads(rows.from_json(row[3]))
            snapshot["state"]["class_version"] = 3
            snapshot["state"]["sessions_per_year"] = {"2024": 999}  # misread if used
            row[3] = rows.as_json(json.dumps(snapshot).encode())

    trajectory, _ = state_of(f"sqlite:///{tmp_path}/s.db", stored, trajectory_id)

    expected = wanted["trajectories"][trajectory_id]["state"]
    assert trajectory.sessions_held == expected["sessions_held"]
