"""The view commands: rebuild, outcomes, and the standalone runner ``project``."""

import io
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from application.service import Trajectories
from application.settings import Settings
from application.views import Views
from interfaces.cli.main import app
from tests.service_builders import register_buso_programme
from tests.service_builders import taken_in

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
    assert row.startswith("BUSO-AALST,5,5,<5,")  # none placed: a count below 5


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


def test_outcomes_run_without_the_master_key(
    service: Trajectories, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(5):
        taken_in(service)
    monkeypatch.delenv("TRAJECTORY_MASTER_KEY")
    monkeypatch.setenv("TRAJECTORY_ENV", "production")  # which refuses a missing key
    monkeypatch.setenv("TRAJECTORY_ALLOW_SQLITE", "true")

    result = runner.invoke(app, ["outcomes", "--group-by", "programme", "--csv"])
    keyed = runner.invoke(app, ["rebuild", "caseload"])  # names: it needs the key

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1].startswith("BUSO-AALST,5,5,")
    assert keyed.exit_code == 1
    assert "TRAJECTORY_MASTER_KEY" in keyed.stderr


def test_the_outcome_table_fits_80_columns_in_a_pipe_with_whole_headers(
    service: Trajectories,
) -> None:
    for _ in range(5):
        taken_in(service)

    # CliRunner's output is no terminal: as in a pipe.
    result = runner.invoke(
        app, ["outcomes", "--group-by", "programme,age_band", "--no-suppress"]
    )

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    title, blank, heading, top, bottom, *rows = lines
    assert title.startswith("Outcomes, evaluated on ")
    assert heading == "programme / age_band"  # too long beside the figures' names
    assert top.split() == ["intake", "placed", "compet.", "dropout", "job", "on"] + [
        "job",
        "at",
    ]
    assert bottom.split() == [
        "referred",
        "intakes",
        *(["rate"] * 4),
        "exit",
        "6",
        "m",
    ]
    [row] = rows
    assert row.split() == ["BUSO-AALST", "/", "18-24", "5", "5", "100.0%"] + [
        "0.0%",
        "0.0%",
        "-",
        "-",
        "-",
    ]
    assert "intake rate: intakes / referrals" in result.stderr


@pytest.mark.parametrize("form", ["xlsx", "spreadsheet-csv", "json"])
def test_outcomes_write_every_format_to_a_file(
    service: Trajectories, tmp_path: Path, form: str
) -> None:
    for _ in range(5):
        taken_in(service)
    target = tmp_path / f"outcomes.{form}"

    result = runner.invoke(
        app,
        ["outcomes", "--group-by", "programme", "--format", form, "-o", str(target)],
    )

    assert result.exit_code == 0, result.output
    content = target.read_bytes()
    if form == "xlsx":
        book = load_workbook(io.BytesIO(content))
        assert book.sheetnames[:3] == ["Alle trajecten", "Per cohorte", "Per project"]
        assert book["Per project"]["B2"].value == 5
    elif form == "spreadsheet-csv":
        assert content.startswith(b"\xef\xbb\xbfProject;Toeleidingen;")
    else:
        assert json.loads(content)["rows"][0]["figures"]["referrals"] == 5


def test_a_workbook_is_not_written_to_a_terminal(service: Trajectories) -> None:
    result = runner.invoke(app, ["outcomes", "--format", "xlsx"])

    assert result.exit_code == 1
    assert "give --output FILE.xlsx" in result.stderr


# The ESF+ report --------------------------------------------------------------------


def test_the_esf_report_prints_its_indicators_by_gender(
    service: Trajectories,
) -> None:
    for _ in range(5):
        taken_in(service)

    result = runner.invoke(
        app, ["report", "esf", "--programme", "BUSO-AALST", "--period", "2024"]
    )

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    participants = next(line for line in lines if line.startswith("participants "))
    assert participants.split()[1:] == ["5", "0", "0", "0", "5"]  # all women
    assert any("qualification" in line for line in lines)  # named as not recorded


def test_the_esf_report_as_json_and_a_workbook(
    service: Trajectories, tmp_path: Path
) -> None:
    for _ in range(5):
        taken_in(service)
    args = ["report", "esf", "--programme", "BUSO-AALST", "--period", "2024Q1"]
    target = tmp_path / "esf.xlsx"

    as_json = runner.invoke(app, [*args, "--format", "json"])
    as_xlsx = runner.invoke(app, [*args, "--format", "xlsx", "-o", str(target)])

    assert as_json.exit_code == 0, as_json.output
    body = json.loads(as_json.stdout)
    lines = {line["code"]: line for line in body["indicators"]}
    assert lines["participants"]["counts"]["total"] == 5
    assert as_xlsx.exit_code == 0, as_xlsx.output
    book = load_workbook(target)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    header, *lines_of_book = rows
    participants = next(row for row in lines_of_book if row[-1] == "participants")
    assert header[2:7] == ("Vrouwen", "Mannen", "Non-binair", "Gender onbekend") + (
        "Totaal",
    )
    assert participants[2:7] == (5, 0, 0, 0, 5)


def test_the_esf_report_refuses_a_period_it_cannot_read(
    service: Trajectories,
) -> None:
    result = runner.invoke(
        app, ["report", "esf", "--programme", "BUSO-AALST", "--period", "24"]
    )

    assert result.exit_code == 1
    assert "period '24' is not a year (2025)" in result.stderr


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
