"""The README's backup and restore, for real: a `pg_dump` of a store restored into a
new database verifies intact, opens participants' data with the same master key,
and its views equal both the dumped ones and views rebuilt from its events."""

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from application.service import Trajectories
from application.settings import Settings
from application.views import Views
from interfaces.demo.loading import load_demo
from tests.conftest import _postgres_bin

pytestmark = pytest.mark.postgres


def tool(name: str) -> str:
    return shutil.which(name) or _postgres_bin(name)


def caseload_and_outcomes(views: Views) -> list[list[tuple[object, ...]]]:
    return [
        sorted(tuple(row.values()) for row in views.caseload.view.rows()),
        sorted(tuple(row.values()) for row in views.outcomes.view.rows()),
    ]


@pytest.fixture
def restored_database(postgres_server: str) -> Iterator[str]:
    """An empty database of its own, dropped afterwards."""
    name = f"restored_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlsplit(postgres_server)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(postgres_server, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_a_dump_restored_into_a_new_database_verifies_and_rebuilds_the_same_views(
    postgres_url: str, restored_database: str, tmp_path: Path
) -> None:
    store = Trajectories(Settings(database_url=postgres_url))
    views = Views(store)
    try:
        summary = load_demo(store, trajectories=25, seed=8)
        views.catch_up()
        dumped = caseload_and_outcomes(views)
        participant = next(iter(views.caseload.view.rows())).participant_id
        name = store.participant(participant).family_name
    finally:
        views.stop()
        store.close()
    base, schema = postgres_url.split("?schema=")
    dump = tmp_path / "trajectory.dump"

    subprocess.run(
        [tool("pg_dump"), "-Fc", "-n", schema, "-f", str(dump), base], check=True
    )
    subprocess.run([tool("pg_restore"), "-d", restored_database, str(dump)], check=True)

    restored = Trajectories(
        Settings(database_url=f"{restored_database}?schema={schema}")
    )
    restored_views = Views(restored)
    try:
        verification = restored.verify()
        as_restored = caseload_and_outcomes(restored_views)
        restored_views.rebuild("caseload")
        restored_views.rebuild("outcomes")
        rebuilt = caseload_and_outcomes(restored_views)
        restored_name = restored.participant(participant).family_name
    finally:
        restored_views.stop()
        restored.close()

    assert verification.intact
    assert verification.events > summary.events
    assert as_restored == dumped
    assert rebuilt == dumped
    assert restored_name == name
