from pathlib import Path

import pytest
from eventsourcing.sqlite import SQLiteApplicationRecorder

from application.service import Trajectories
from application.settings import Settings
from application.settings import SettingsProblems
from application.settings import UnsupportedDatabaseURL


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


def production(**settings: object) -> Settings:
    return Settings(env="production", **settings)  # type: ignore[arg-type]


POSTGRES = "postgresql://svc@db:5432/traj"
KEY = "dGVzdHMgb2YgdGhlIHRyYWplY3Rvcnkgc2VydmljZSE="


def test_production_names_every_setting_it_refuses_at_once() -> None:
    settings = production(database_url="sqlite:///var/x.db", demo=True)
    settings = settings.model_copy(update={"master_key": None})

    with pytest.raises(SettingsProblems) as refused:
        settings.check()

    named = [problem.split(":")[0] for problem in refused.value.problems]
    assert named == [
        "TRAJECTORY_DATABASE_URL",
        "TRAJECTORY_MASTER_KEY (or TRAJECTORY_MASTER_KEY_FILE)",
        "TRAJECTORY_DEMO",
    ]
    assert "TRAJECTORY_ALLOW_SQLITE=true" in str(refused.value)


def test_production_runs_on_postgres_with_a_master_key() -> None:
    production(database_url=POSTGRES, master_key=KEY).check()


def test_production_runs_on_sqlite_only_when_told(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/x.db"

    with pytest.raises(SettingsProblems, match="TRAJECTORY_DATABASE_URL"):
        production(database_url=url, master_key=KEY).check()
    production(database_url=url, master_key=KEY, allow_sqlite=True).check()


def test_setting_up_the_schema_in_production_needs_no_master_key() -> None:
    settings = production(database_url=POSTGRES).model_copy(update={"master_key": None})

    settings.check(master_key=False)
    with pytest.raises(SettingsProblems, match="TRAJECTORY_MASTER_KEY"):
        settings.check()


def test_development_refuses_none_of_it(tmp_path: Path) -> None:
    Settings(database_url=f"sqlite:///{tmp_path}/x.db", demo=True).check()


def test_production_opens_no_store_with_a_setting_it_refuses(tmp_path: Path) -> None:
    settings = production(database_url=f"sqlite:///{tmp_path}/x.db", master_key=KEY)

    with pytest.raises(SettingsProblems, match="TRAJECTORY_DATABASE_URL"):
        Trajectories(settings)
    assert not (tmp_path / "x.db").exists()


def test_docs_and_json_logs_follow_the_environment_unless_set() -> None:
    development, prod = Settings(), production(database_url=POSTGRES)

    assert (development.serves_docs, development.logs_json) == (True, False)
    assert (prod.serves_docs, prod.logs_json) == (False, True)
    assert production(database_url=POSTGRES, docs=True, log_format="text").serves_docs
    assert Settings(log_format="json").logs_json
