"""`trajectory verify`: the report, and exit codes a script can rely on."""

import json
import sqlite3
from uuid import UUID

from typer.testing import CliRunner

from application.service import Trajectories
from application.settings import Settings
from interfaces.cli.main import app
from tests.service_builders import register_buso_programme
from tests.service_builders import taken_in

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
    assert "events in 7 histories" in result.output


def test_a_broken_link_exits_1_naming_it(store: str) -> None:
    trajectory_id = a_store(store)
    delete_event(store, trajectory_id, 1)

    result = runner.invoke(app, ["verify"])

    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert f"BROKEN {trajectory_id} at version 1 (deleted)" in output
    assert "1 of 7 histories are broken" in output


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


def test_a_kept_seal_that_no_longer_holds_exits_1(store: str) -> None:
    trajectory_id = a_store(store)
    first = runner.invoke(app, ["verify", "--json"])
    kept = json.loads(first.stdout)["seal"]
    with sqlite3.connect(store.removeprefix("sqlite:///")) as connection:
        for table in ("stored_events", "event_links", "event_chain_heads"):
            connection.execute(f"DROP TRIGGER IF EXISTS {table}_refuse_delete")
            connection.execute(
                f"DELETE FROM {table} WHERE originator_id = ?", (trajectory_id.hex,)
            )

    result = runner.invoke(app, ["verify", "--seal", kept])

    assert result.exit_code == 1
    assert "BROKEN: the store as of position" in " ".join(result.output.split())


def test_a_malformed_seal_exits_2(store: str) -> None:
    result = runner.invoke(app, ["verify", "--seal", "nonsense"])

    assert result.exit_code == 2
    assert "is not a seal" in result.output
