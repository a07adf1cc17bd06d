"""`trajectory import` and `trajectory export` as an admin runs them: a dry run, a
real run, a file refused whole, an export with and without personal data."""

import json
from pathlib import Path

from typer.testing import CliRunner

from application.service import Trajectories
from application.settings import Settings
from interfaces.cli.main import app
from interfaces.records.template import template
from tests.service_builders import ORGANISATION
from tests.service_builders import register_buso_programme

runner = CliRunner()


def with_programme(store: str) -> None:
    service = Trajectories(Settings(database_url=store))
    try:
        register_buso_programme(service)
    finally:
        service.close()


def test_a_dry_run_then_a_real_one_then_the_same_file_again(
    store: str, tmp_path: Path
) -> None:
    with_programme(store)
    file = tmp_path / "trajectories.xlsx"
    file.write_bytes(template("xlsx"))

    dry = runner.invoke(app, ["import", str(file), "--dry-run", "--lang", "nl"])
    real = runner.invoke(app, ["import", str(file)])
    again = runner.invoke(app, ["import", str(file), "--json"])

    assert dry.exit_code == 0, dry.output
    assert "Proefimport: er is niets bewaard." in dry.output
    assert "Nieuwe trajecten: 1" in dry.output
    assert real.exit_code == 0, real.output
    assert "New trajectories: 1" in real.output and "Events: 10" in real.output
    assert "Coaches registered: Mieke Janssens" in real.output
    assert again.exit_code == 0, again.output
    report = json.loads(again.stdout)
    assert report["trajectories"] == {
        "stored": 0,
        "extended": 0,
        "unchanged": 1,
        "refused": 0,
    }


def test_refused_rows_are_listed_and_the_exit_code_says_so(
    store: str, tmp_path: Path
) -> None:
    with_programme(store)
    rows = template("csv").decode("utf-8-sig").splitlines()
    rows[2] = rows[2].replace("2024-02-12", "2024-01-12")  # intake before referral
    file = tmp_path / "trajectories.csv"
    file.write_text("\n".join(rows), encoding="utf-8")

    result = runner.invoke(app, ["import", str(file)])

    assert result.exit_code == 2, result.output
    assert "Refused trajectories: 1" in result.stdout
    assert (
        "BUSO-2024-017: row 3, on: Intake on 2024-01-12 is before the referral on "
        "2024-02-01" in result.stderr
    )


def test_a_file_that_cannot_be_read_stops_with_its_reason(
    store: str, tmp_path: Path
) -> None:
    file = tmp_path / "trajectories.csv"
    file.write_text("trajectory;event;colour\nT1;x;red\n", encoding="utf-8")
    other = tmp_path / "trajectories.txt"
    other.write_text("trajectory;event\n", encoding="utf-8")

    unknown = runner.invoke(app, ["import", str(file), "--lang", "nl"])
    wrong_kind = runner.invoke(app, ["import", str(other)])

    assert unknown.exit_code == 1
    assert "Onbekende kolommen: colour." in unknown.stderr
    assert wrong_kind.exit_code == 1
    assert "must end in .csv, .xlsx or .jsonl" in wrong_kind.stderr


def test_an_export_holds_personal_data_only_when_asked_for(
    store: str, tmp_path: Path
) -> None:
    with_programme(store)
    file = tmp_path / "trajectories.jsonl"
    file.write_bytes(template("jsonl"))
    assert runner.invoke(app, ["import", str(file)]).exit_code == 0
    plain, personal = tmp_path / "plain.jsonl", tmp_path / "personal.jsonl"

    first = runner.invoke(app, ["export", str(plain), "--organisation", ORGANISATION])
    second = runner.invoke(
        app,
        ["export", str(personal), "--organisation", ORGANISATION, "--personal-data"],
    )

    assert first.exit_code == 0 and second.exit_code == 0, first.output
    assert "1 trajectories, 10 events" in first.output
    plain_rows = [json.loads(line) for line in plain.read_text().splitlines()]
    personal_rows = [json.loads(line) for line in personal.read_text().splitlines()]
    assert "given_name" not in plain_rows[0] and "note" not in plain_rows[2]
    assert personal_rows[0]["given_name"] == "Lotte"
    assert personal_rows[2]["note"] == "Eerste gesprek: wil in de bakkerij werken."
    assert [r["event"] for r in plain_rows] == [r["event"] for r in personal_rows]
