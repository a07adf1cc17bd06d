from uuid import uuid4

import pytest
from typer.testing import CliRunner

from application.settings import Settings
from application.trajectories import Trajectories
from domain.vocabulary import (
    Barrier,
)
from interfaces.cli.main import app
from tests.service_builders import register_buso_programme, taken_in

runner = CliRunner()


def recorded_trajectory(url: str) -> str:
    service = Trajectories(Settings(database_url=url))
    register_buso_programme(service)
    trajectory_id = taken_in(service, barriers=[Barrier.MOBILITY])
    service.close()
    return str(trajectory_id)


def test_replay_prints_every_event_and_the_state(store: str) -> None:
    trajectory_id = recorded_trajectory(store)

    result = runner.invoke(app, ["replay", trajectory_id])

    assert result.exit_code == 0, result.output
    assert "ReferralReceived" in result.output and "IntakeCompleted" in result.output
    assert "state at version 2: stage active" in result.output


def test_replay_as_of_a_version_stops_there(store: str) -> None:
    trajectory_id = recorded_trajectory(store)

    result = runner.invoke(app, ["replay", trajectory_id, "--as-of-version", "1"])

    assert result.exit_code == 0, result.output
    assert "IntakeCompleted" not in result.output
    assert "state at version 1: stage referred" in result.output


def test_replay_of_an_unknown_trajectory_fails_naming_it(store: str) -> None:
    unknown = str(uuid4())

    result = runner.invoke(app, ["replay", unknown])

    assert result.exit_code == 1
    assert f"trajectory {unknown} does not exist" in result.output


def test_a_bad_database_url_is_refused_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRAJECTORY_DATABASE_URL", "mysql://root@localhost/x")

    result = runner.invoke(app, ["replay", str(uuid4())])

    assert result.exit_code == 1
    assert "neither sqlite:/// nor postgresql://" in result.output


def test_demo_registers_the_seed_programmes_and_generates_trajectories(
    store: str,
) -> None:
    result = runner.invoke(app, ["demo", "--trajectories", "12", "--seed", "3"])

    assert result.exit_code == 0, result.output
    assert "5 programmes" in result.output and "12 trajectories" in result.output
    service = Trajectories(Settings(database_url=store))
    assert len(service.programmes()) == 5
    service.close()
