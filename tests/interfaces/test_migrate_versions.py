"""`trajectory migrate` reports the versions of the stored events and snapshots
against the code's, and refuses a store that holds versions the code cannot read."""

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from interfaces.cli.main import app
from tests.corpus import rows
from tests.corpus.test_corpus import corpus
from tests.corpus.test_corpus import loaded

runner = CliRunner()


def migrated(
    database_url: str, stored: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> Any:
    loaded(database_url, stored).close()
    monkeypatch.setenv("TRAJECTORY_DATABASE_URL", database_url)
    return runner.invoke(app, ["migrate"])


def backend(database_url: str) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgres"


def test_older_events_are_reported_as_upcast_on_read(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored, _ = corpus("0.1.0", backend(database_url))

    result = migrated(database_url, stored, monkeypatch)

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert (
        "  trajectory:ProgrammeRegistered  v1: 2  (v2) (older versions are upcast "
        "as they are read)"
    ) in lines
    assert (
        "  trajectory:SessionHeld  v1: 7  (v2) (older versions are upcast as they "
        "are read)"
    ) in lines
    assert (
        "  trajectory:Trajectory.Snapshot  v1: 5  (v2) (older versions are upcast "
        "as they are read)"
    ) in lines


def test_a_store_with_events_newer_than_the_code_is_refused(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored, _ = corpus("0.3.0", backend(database_url))
    for row in stored["events"]:
        if row[3] == "trajectory:SessionHeld":
            state = json.loads(rows.from_json(row[4]))
            row[4] = rows.as_json(json.dumps({**state, "class_version": 3}).encode())

    result = migrated(database_url, stored, monkeypatch)

    assert result.exit_code == 1
    assert "  trajectory:SessionHeld  v3: 9  (v2)" in result.output
    assert "versions this code cannot read (trajectory:SessionHeld)" in result.output
