"""`trajectory erase | keygen | rotate-master-key`, and a wrong or missing master key
as an operator meets it: one clear line, exit 1, never a traceback."""

import base64
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from typer.testing import CliRunner

from application.privacy.keys import MasterKey
from application.privacy.keys import new_key_text
from application.service import Trajectories
from application.settings import Settings
from domain.commands import RegisterParticipant
from domain.errors import ParticipantErasedError
from domain.vocabulary import Gender
from interfaces.cli.main import app
from tests.conftest import TEST_MASTER_KEY

runner = CliRunner()


def registered(store: str) -> UUID:
    service = Trajectories(Settings(database_url=store))
    try:
        return service.register_participant(
            RegisterParticipant(
                given_name="Ysaline",
                family_name="Dewaelheyns",
                birth_date=date(2004, 5, 6),
                gender=Gender.F,
            ),
            recorded_by="Hilde",
        ).id
    finally:
        service.close()


def read(store: str, participant_id: UUID, **keys: str) -> str:
    service = Trajectories(Settings(database_url=store, **keys))  # type: ignore[arg-type]
    try:
        participant = service.participant(participant_id)
        participant.check_readable()
        return participant.given_name
    finally:
        service.close()


def test_erase_erases_once_and_is_harmless_again(store: str) -> None:
    participant_id = registered(store)

    first = runner.invoke(app, ["erase", str(participant_id), "--by", "DPO Intro"])
    second = runner.invoke(app, ["erase", str(participant_id)])

    assert first.exit_code == 0, first.output
    assert f"erased participant {participant_id} (version 2)" in first.output
    assert second.exit_code == 0, second.output
    assert "erased already; nothing recorded" in second.output
    with pytest.raises(ParticipantErasedError):
        read(store, participant_id)


def test_erase_names_an_unknown_participant(store: str) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"

    result = runner.invoke(app, ["erase", unknown])

    assert result.exit_code == 1
    assert f"participant {unknown} does not exist" in result.output


def test_keygen_prints_a_key_or_writes_a_file_it_never_overwrites(
    tmp_path: Path,
) -> None:
    printed = runner.invoke(app, ["keygen"])
    path = tmp_path / "keys" / "master.key"
    written = runner.invoke(app, ["keygen", "--file", str(path)])
    again = runner.invoke(app, ["keygen", "--file", str(path)])

    assert printed.exit_code == 0
    assert len(base64.b64decode(printed.stdout.strip())) == 32
    assert written.exit_code == 0, written.output
    assert len(base64.b64decode(path.read_text())) == 32
    assert path.stat().st_mode & 0o777 == 0o600
    assert again.exit_code == 1
    assert "exists already" in again.output


def test_a_wrong_master_key_is_one_clear_line(
    store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    registered(store)
    monkeypatch.setenv("TRAJECTORY_MASTER_KEY", new_key_text())

    result = runner.invoke(app, ["erase", "00000000-0000-4000-8000-000000000000"])

    assert result.exit_code == 1
    assert "wrapped by master key" in result.output
    assert "Traceback" not in result.output


def test_production_without_a_master_key_says_what_to_set(
    store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRAJECTORY_MASTER_KEY")
    monkeypatch.setenv("TRAJECTORY_ENV", "production")
    monkeypatch.setenv("TRAJECTORY_ALLOW_SQLITE", "true")

    result = runner.invoke(app, ["verify"])

    assert result.exit_code == 2  # could not verify
    assert "TRAJECTORY_MASTER_KEY (or TRAJECTORY_MASTER_KEY_FILE)" in result.output
    assert "TRAJECTORY_DATABASE_URL" not in result.output  # SQLite was allowed


def test_rotate_master_key_rewraps_with_the_new_key(
    store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    participant_id = registered(store)
    new_file = tmp_path / "new.key"
    assert runner.invoke(app, ["keygen", "--file", str(new_file)]).exit_code == 0
    monkeypatch.delenv("TRAJECTORY_MASTER_KEY")
    monkeypatch.setenv("TRAJECTORY_MASTER_KEY_FILE", str(new_file))
    monkeypatch.setenv("TRAJECTORY_PREVIOUS_MASTER_KEY", TEST_MASTER_KEY)

    result = runner.invoke(app, ["rotate-master-key"])

    new_id = MasterKey.read(new_file, "test").id
    assert result.exit_code == 0, result.output
    assert f"re-wrapped 1 data keys with master key {new_id}" in result.output
    monkeypatch.delenv("TRAJECTORY_PREVIOUS_MASTER_KEY")
    assert read(store, participant_id) == "Ysaline"


def test_migrate_needs_no_master_key_and_binds_the_store_to_none(
    store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRAJECTORY_MASTER_KEY")

    result = runner.invoke(app, ["migrate"])

    assert result.exit_code == 0, result.output
    assert not (tmp_path / "var").exists()  # no development key was made
    monkeypatch.setenv("TRAJECTORY_MASTER_KEY", new_key_text())  # the real one
    assert read(store, registered(store)) == "Ysaline"
