from pathlib import Path

import pytest
from eventsourcing.sqlite import SQLiteApplicationRecorder

from application.settings import Settings, UnsupportedDatabaseURL
from application.trajectories import Trajectories


def test_a_sqlite_url_names_the_file_and_creates_its_folder(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/var/store.db")

    env = settings.library_env()
    settings.create_folders()

    assert env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite"
    assert env["SQLITE_DBNAME"] == f"{tmp_path}/var/store.db"
    assert (tmp_path / "var").is_dir()
    assert not settings.is_postgres


def test_a_postgres_url_gives_every_connection_setting() -> None:
    settings = Settings(
        database_url="postgresql://svc:s%40cret@db.example:6543/traj?schema=audit"
    )

    env = settings.library_env()

    assert env["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"]) == ("db.example", "6543")
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"]) == ("svc", "s@cret")
    assert (env["POSTGRES_DBNAME"], env["POSTGRES_SCHEMA"]) == ("traj", "audit")
    assert settings.is_postgres


def test_messages_show_the_database_url_without_its_password() -> None:
    settings = Settings(database_url="postgresql://svc:S3cret@db:5432/traj")

    assert settings.safe_database_url == "postgresql://svc:***@db:5432/traj"
    assert Settings(database_url="sqlite:///x.db").safe_database_url == "sqlite:///x.db"


def test_settings_come_from_trajectory_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRAJECTORY_DATABASE_URL", "sqlite:///:memory:")
    monkeypatch.setenv("TRAJECTORY_PORT", "8123")
    monkeypatch.setenv("PERSISTENCE_MODULE", "eventsourcing.postgres")

    settings = Settings()

    assert settings.port == 8123
    assert settings.library_env()["PERSISTENCE_MODULE"] == "eventsourcing.sqlite"


def test_a_stray_library_variable_cannot_switch_the_store(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PERSISTENCE_MODULE", "eventsourcing.postgres")
    monkeypatch.setenv("TRAJECTORIES_PERSISTENCE_MODULE", "eventsourcing.popo")

    service = Trajectories(Settings(database_url=f"sqlite:///{tmp_path}/t.db"))

    assert isinstance(service.recorder, SQLiteApplicationRecorder)
    service.close()


def test_an_unknown_database_scheme_is_refused_with_its_name() -> None:
    with pytest.raises(UnsupportedDatabaseURL, match="mysql://"):
        Settings(database_url="mysql://root@localhost/x").library_env()
