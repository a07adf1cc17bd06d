"""`trajectory verify`: the report, and exit codes a script can rely on."""

import json
import sqlite3
from uuid import UUID

from typer.testing import CliRunner

from application.settings import Settings
from application.trajectories import Trajectories
from interfaces.cli.main import app
from tests.service_builders import register_buso_programme, taken_in

runner = CliRunner()


def a_store(url: str) -> UUID:
    service = Trajectories(Settings(database_url=url))
    try:
        register_buso_programme(service)
        return taken_in(service)
    finally:
        service.close()


def delete_event(url: str, trajectory_id: UUID, version: int) -> None:
    """Past the trigger, as anyone holding the SQLite file can."""
    with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
        connection.execute("DROP TRIGGER stored_events_refuse_delete")
        connection.execute(
            "DELETE FROM stored_events WHERE originator_id = ? AND "
            "originator_version = ?",
            (trajectory_id.hex, version),
        )


def test_an_intact_store_exits_0_with_what_it_covered(store: str) -> None:
    a_store(store)

    result = runner.invoke(app, ["verify"])

    assert result.exit_code == 0, result.output
    assert "every chain holds" in result.output
    assert "events in 5 histories" in result.output


def test_a_broken_link_exits_1_naming_it(store: str) -> None:
    trajectory_id = a_store(store)
    delete_event(store, trajectory_id, 1)

    result = runner.invoke(app, ["verify"])

    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert f"BROKEN {trajectory_id} at version 1 (deleted)" in output
    assert "1 of 5 histories are broken" in output


def test_the_json_report_names_the_first_broken_link(store: str) -> None:
    trajectory_id = a_store(store)
    delete_event(store, trajectory_id, 2)

    result = runner.invoke(app, ["verify", "--json"])

    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["intact"] is False
    first = report["first_broken"]
    assert (first["aggregate_id"], first["version"], first["kind"]) == (
        str(trajectory_id),
        2,
        "deleted",
    )
    assert first["expected"] and first["found"] is None


def test_a_store_it_cannot_reach_exits_2() -> None:
    result = runner.invoke(
        app,
        ["verify"],
        env={"TRAJECTORY_DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none"},
    )

    assert result.exit_code == 2
    assert "cannot open the store" in " ".join(result.output.split())
