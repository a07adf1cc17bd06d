"""Production mode as an operator meets it: start-up refusals that name each setting,
the schema's version reported by `trajectory migrate`, no demo data, no docs page
unless asked for."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from application.migrations import latest
from application.settings import Settings
from interfaces.cli.main import app
from interfaces.http.app import create_app

runner = CliRunner()


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch, store: str) -> str:
    """TRAJECTORY_ENV=production on the test's SQLite store (allowed explicitly)."""
    monkeypatch.setenv("TRAJECTORY_ENV", "production")
    monkeypatch.setenv("TRAJECTORY_ALLOW_SQLITE", "true")
    return store


def test_serve_in_production_names_each_missing_setting_and_starts_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TRAJECTORY_MASTER_KEY")
    monkeypatch.setenv("TRAJECTORY_ENV", "production")
    monkeypatch.setenv("TRAJECTORY_DEMO", "true")

    result = runner.invoke(app, ["serve"])

    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "error: TRAJECTORY_ENV=production refuses these settings:"
    assert [line.split(":")[0] for line in lines[1:]] == [
        "  - TRAJECTORY_DATABASE_URL",
        "  - TRAJECTORY_MASTER_KEY (or TRAJECTORY_MASTER_KEY_FILE)",
        "  - TRAJECTORY_DEMO",
    ]


def test_a_setting_of_the_wrong_kind_is_named_as_a_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRAJECTORY_WORKERS", "many")

    result = runner.invoke(app, ["serve"])

    assert result.exit_code == 1
    assert "TRAJECTORY_WORKERS: Input should be a valid integer" in result.output


def test_several_workers_leave_the_views_to_the_projector(store: str) -> None:
    result = runner.invoke(app, ["serve", "--workers", "2"])

    assert result.exit_code == 1
    assert "TRAJECTORY_RUN_PROJECTIONS=false" in result.output
    assert "trajectory project" in result.output


def test_migrate_reports_the_version_and_what_it_applied_then_nothing(
    production: str,
) -> None:
    first = runner.invoke(app, ["migrate"])
    second = runner.invoke(app, ["migrate"])

    assert first.exit_code == 0, first.output
    assert f"is at schema version {latest()}" in first.output
    assert "applied version 1: events, snapshots" in first.output
    assert f"applied version {latest()}: " in first.output
    assert second.exit_code == 0, second.output
    assert f"is at schema version {latest()} (nothing to apply)" in second.output


def test_migrate_in_production_needs_no_master_key(
    production: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRAJECTORY_MASTER_KEY")

    result = runner.invoke(app, ["migrate"])

    assert result.exit_code == 0, result.output


def test_a_production_store_gets_no_demo_data(production: str) -> None:
    result = runner.invoke(app, ["demo", "--trajectories", "3"])
    listed = runner.invoke(app, ["token", "list"])

    assert result.exit_code == 1
    assert "a production store gets no demo data" in result.output
    assert listed.exit_code == 0, listed.output
    assert "demo" not in listed.output.lower()


@pytest.mark.parametrize(("docs", "status"), [(None, 404), (False, 404), (True, 200)])
def test_production_serves_the_docs_only_when_asked(
    production: str, docs: bool | None, status: int
) -> None:
    settings = Settings(docs=docs)

    with TestClient(create_app(settings)) as client:
        pages = [client.get(path).status_code for path in ("/docs", "/openapi.json")]

    assert pages == [status, status]


def test_a_message_reaches_a_pipe_on_one_line_however_long_and_however_narrow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / ("a-rather-long-folder-name-for-a-checkout-" * 3)
    folder.mkdir()
    url = f"sqlite:///{folder}/store.db"
    monkeypatch.setenv("TRAJECTORY_DATABASE_URL", url)
    monkeypatch.setenv("COLUMNS", "40")

    result = runner.invoke(app, ["migrate"])

    assert result.exit_code == 0, result.output
    first_line = result.output.splitlines()[0]
    assert first_line.startswith(f"the store at {url} is at schema version {latest()}")
