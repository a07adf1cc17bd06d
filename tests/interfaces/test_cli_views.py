"""The view commands: rebuild, outcomes, and the standalone runner ``project``."""

import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from application.settings import Settings
from application.trajectories import Trajectories
from application.views import Views
from interfaces.cli.main import app
from tests.service_builders import register_buso_programme, taken_in

runner = CliRunner()


@pytest.fixture
def service(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Trajectories]:
    monkeypatch.setenv("TRAJECTORY_DATABASE_URL", database_url)
    service = Trajectories(Settings(database_url=database_url))
    register_buso_programme(service)
    yield service
    service.close()


def test_rebuild_reports_the_events_it_read(service: Trajectories) -> None:
    taken_in(service)

    result = runner.invoke(app, ["rebuild", "outcomes"])

    assert result.exit_code == 0, result.output
    assert "outcomes: generation 2, 1 trajectories, 2 events" in result.stdout


def test_rebuild_of_an_unknown_view_fails_naming_the_views(
    service: Trajectories,
) -> None:
    result = runner.invoke(app, ["rebuild", "participants"])

    assert result.exit_code == 1
    assert "the views are caseload, outcomes" in result.stderr


def test_outcomes_as_csv_give_the_same_bytes_twice(service: Trajectories) -> None:
    for _ in range(5):
        taken_in(service)

    first = runner.invoke(app, ["outcomes", "--group-by", "programme", "--csv"])
    second = runner.invoke(app, ["outcomes", "--group-by", "programme", "--csv"])

    assert first.exit_code == 0, first.output
    assert first.stdout == second.stdout
    header, row = first.stdout.splitlines()
    assert header.startswith("programme,referrals,intakes,placed,")
    assert row.startswith("BUSO-AALST,5,5,0,")


def test_outcomes_suppress_small_groups_unless_told(service: Trajectories) -> None:
    taken_in(service)

    suppressed = runner.invoke(app, ["outcomes", "--group-by", "programme", "--csv"])
    shown = runner.invoke(
        app, ["outcomes", "--group-by", "programme", "--csv", "--no-suppress"]
    )

    assert suppressed.stdout.splitlines()[1].startswith("BUSO-AALST,<5,<5,")
    assert shown.stdout.splitlines()[1].startswith("BUSO-AALST,1,1,0,")


def test_outcomes_refuse_an_unknown_dimension(service: Trajectories) -> None:
    result = runner.invoke(app, ["outcomes", "--group-by", "colour"])

    assert result.exit_code == 1
    assert "cannot group by colour" in result.stderr


def start_projector(database_url: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "interfaces.cli.main", "project"],
        env={**os.environ, "TRAJECTORY_DATABASE_URL": database_url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_project_feeds_the_views_from_another_process_and_resumes_after_a_kill(
    service: Trajectories, database_url: str
) -> None:
    views = Views(service)  # reads positions; its own runner is never started
    projector = start_projector(database_url)
    try:
        taken_in(service, coach="Hilde")
        views.wait(timeout=60)
        projector.send_signal(signal.SIGKILL)
        projector.wait(30)

        taken_in(service, coach="Jens")
        projector = start_projector(database_url)
        views.wait(timeout=60)
        live = list(views.caseload.view.rows())
        views.rebuild("caseload")
        rebuilt = list(views.caseload.view.rows())

        assert sorted(r.values() for r in live) == sorted(r.values() for r in rebuilt)
        assert sorted(str(r.coach) for r in live) == ["Hilde", "Jens"]
        projector.send_signal(signal.SIGTERM)
        assert projector.wait(30) == 0
    finally:
        if projector.poll() is None:
            projector.kill()
            projector.wait(30)
