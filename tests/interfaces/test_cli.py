from datetime import date
from uuid import UUID
from uuid import uuid4

import pytest
from typer.testing import CliRunner

from application.service import Trajectories
from application.settings import Settings
from domain.commands import HoldSession
from domain.commands import RetractEntry
from domain.vocabulary import Barrier
from domain.vocabulary import SessionMode
from domain.vocabulary import SessionSetting
from interfaces.cli.main import app
from tests.service_builders import register_buso_programme
from tests.service_builders import taken_in

runner = CliRunner()


def recorded_trajectory(url: str) -> str:
    service = Trajectories(Settings(database_url=url))
    register_buso_programme(service)
    trajectory_id = taken_in(service, barriers=[Barrier.MOBILITY])
    service.close()
    return str(trajectory_id)


def trajectory_with_a_retracted_session(url: str) -> str:
    """Taken in (v2), a session (v3), retracted as entered in error (v4)."""
    service = Trajectories(Settings(database_url=url))
    register_buso_programme(service)
    trajectory_id: UUID = taken_in(service)
    service.record(
        trajectory_id,
        HoldSession(
            on=date(2024, 2, 20),
            minutes=45,
            mode=SessionMode.INDIVIDUAL,
            setting=SessionSetting.WORKPLACE,
            note="visited the bakery",
        ),
        recorded_by="Hilde",
    )
    service.record(
        trajectory_id,
        RetractEntry(
            on=date(2024, 3, 1), version=3, reason="recorded on the wrong trajectory"
        ),
        recorded_by="Hilde",
    )
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


def test_replay_as_of_a_date_marks_the_later_events_as_not_counted(
    store: str,
) -> None:
    trajectory_id = recorded_trajectory(store)

    result = runner.invoke(app, ["replay", trajectory_id, "--as-of", "2024-02-05"])

    assert result.exit_code == 0, result.output
    assert "v1 ReferralReceived on 2024-02-01, recorded " in result.output
    intake = next(line for line in result.stdout.splitlines() if "v2 " in line)
    assert intake.startswith("v2 IntakeCompleted on 2024-02-12, recorded ")
    assert intake.endswith(" by Hilde  [after 2024-02-05: not counted]")
    assert "state as of 2024-02-05: stage referred" in result.output


def test_replay_shows_a_retracted_event_and_the_retraction(store: str) -> None:
    trajectory_id = trajectory_with_a_retracted_session(store)

    result = runner.invoke(app, ["replay", trajectory_id])

    assert result.exit_code == 0, result.output
    session = next(line for line in result.stdout.splitlines() if "v3 " in line)
    assert session.startswith("v3 SessionHeld on 2024-02-20, recorded ")
    assert session.endswith(" by Hilde  [retracted by v4]")
    assert "note=visited the bakery" in result.output
    assert "v4 EntryRetracted on 2024-03-01" in result.output


def test_replay_from_a_version_to_another_prints_the_diff_and_the_events(
    store: str,
) -> None:
    trajectory_id = trajectory_with_a_retracted_session(store)

    result = runner.invoke(
        app, ["replay", trajectory_id, "--from-version", "2", "--to-version", "4"]
    )

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"trajectory {trajectory_id} from version 2 to 4"
    assert [line.split(" ")[:2] for line in lines if line.startswith("v")] == [
        ["v3", "SessionHeld"],
        ["v4", "EntryRetracted"],
    ]
    assert "[retracted by v4]" in lines[1]
    assert lines[-2:] == ["changed fields:", "retracted_versions: [] -> [3]"]
    undone = runner.invoke(
        app, ["replay", trajectory_id, "--from-version", "3", "--to-version", "4"]
    )
    assert undone.stdout.splitlines()[-4:] == [
        "sessions_held: 1 -> 0",
        "session_minutes: 45 -> 0",
        "last_contact_on: 2024-02-20 -> 2024-02-12",
        "retracted_versions: [] -> [3]",
    ]


def test_replay_from_a_version_to_itself_changes_nothing(store: str) -> None:
    trajectory_id = recorded_trajectory(store)

    result = runner.invoke(
        app, ["replay", trajectory_id, "--from-version", "2", "--to-version", "2"]
    )

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == ["no field changed"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            ["--as-of", "2024-03-01", "--as-of-version", "1"],
            "give --as-of-version or --as-of, not both",
        ),
        (["--from-version", "1"], "give --from-version and --to-version together"),
        (
            ["--from-version", "1", "--to-version", "2", "--as-of-version", "1"],
            "--from-version and --to-version take no --as-of-version or --as-of",
        ),
        (
            ["--from-version", "2", "--to-version", "1"],
            "from_version 2 is after to_version 1",
        ),
        (
            ["--from-version", "1", "--to-version", "3"],
            "has no version 3; the last is 2",
        ),
    ],
)
def test_replay_refuses_options_that_do_not_go_together(
    store: str, options: list[str], message: str
) -> None:
    trajectory_id = recorded_trajectory(store)

    result = runner.invoke(app, ["replay", trajectory_id, *options])

    assert result.exit_code == 1
    assert message in " ".join(result.stderr.split())  # the console wraps it
    assert result.stdout == ""


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
    assert "6 programmes" in result.output and "12 trajectories" in result.output
    service = Trajectories(Settings(database_url=store))
    assert len(service.programmes()) == 6
    service.close()


@pytest.mark.postgres
def test_demo_writes_from_worker_processes_on_postgresql(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRAJECTORY_DATABASE_URL", postgres_url)

    result = runner.invoke(app, ["demo", "--trajectories", "12", "--workers", "2"])

    assert result.exit_code == 0, result.output
    assert "6 programmes" in result.output and "12 trajectories" in result.output
    service = Trajectories(Settings(database_url=postgres_url))
    try:
        referrals = service.recorder.select_notifications(
            None, 1_000, topics=["trajectory:ReferralReceived"]
        )
    finally:
        service.close()
    assert len(referrals) == 12


def test_demo_refuses_no_workers(store: str) -> None:
    result = runner.invoke(app, ["demo", "--workers", "0"])

    assert result.exit_code == 2
    assert "--workers" in result.output


def test_the_help_rewraps_each_paragraph_to_the_width_it_is_given() -> None:
    # When the command's help is printed (a pipe, as wide as COLUMNS says)
    columns = "200"  # the source's lines end far short of it
    result = runner.invoke(app, ["--help"], env={"COLUMNS": columns})

    # Then a description longer than a line fills the line before it goes on to
    # the next: it is not broken where the source's line ended, far short of it
    assert result.exit_code == 0, result.output
    output = result.output.splitlines()
    lines = [line.strip("│ ").rstrip() for line in output]
    serve = next(i for i, line in enumerate(lines) if line.startswith("serve "))
    described = " ".join(line.removeprefix("serve").strip() for line in lines[serve:])
    assert "feeding the views in-process unless told not to" in described
    assert len(output[serve].rstrip(" │")) >= int(columns) - 25
