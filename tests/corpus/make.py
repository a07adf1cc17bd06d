"""Writes a release's corpus: ``python -m tests.corpus.make RELEASE``.

For SQLite and PostgreSQL, a fresh store gets the corpus history (``history.py``)
through the service; its stored rows go to ``releases/RELEASE/BACKEND.rows.json`` and
what they read as to ``releases/RELEASE/BACKEND.expected.json``. A release adds its
own folder and never changes an older one: the corpus test reads them all.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from pydantic import SecretStr

from application.service import Trajectories
from application.settings import Settings
from tests.corpus import expected
from tests.corpus import rows
from tests.corpus.history import MASTER_KEY
from tests.corpus.history import SNAPSHOT_INTERVAL
from tests.corpus.history import write_history

RELEASES = Path(__file__).parent / "releases"
BACKENDS = ("sqlite", "postgres")
SERVER = os.environ.get(
    "TRAJECTORY_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def settings(url: str) -> Settings:
    return Settings(
        database_url=url,
        master_key=SecretStr(MASTER_KEY),
        snapshot_interval=SNAPSHOT_INTERVAL,
        group_commit=False,
    )


@contextmanager
def fresh_store(backend: str) -> Iterator[str]:
    """The URL of a store of its own, removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/corpus.db"
        return
    schema = f"corpus_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(SERVER, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{SERVER}?schema={schema}"
    finally:
        with psycopg.connect(SERVER, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@contextmanager
def loaded_store(backend: str, stored: dict[str, Any]) -> Iterator[Trajectories]:
    """A fresh store set up by today's code, holding only the corpus rows."""
    with fresh_store(backend) as url:
        Trajectories(settings(url)).close()  # sets the schema up
        service = Trajectories(settings(url))
        try:
            rows.load(service, stored)
        finally:
            service.close()
        service = Trajectories(settings(url))
        try:
            yield service
        finally:
            service.close()


def write(release: str, backend: str) -> tuple[Path, Path]:
    folder = RELEASES / release
    folder.mkdir(parents=True, exist_ok=True)
    with fresh_store(backend) as url:
        service = Trajectories(settings(url))
        try:
            write_history(service)
            stored = rows.dump(service)
        finally:
            service.close()
    # What the rows read as in a store that holds only them, as the test reads it.
    with loaded_store(backend, stored) as service:
        reads = expected.read(service)
    rows_file = folder / f"{backend}.rows.json"
    expected_file = folder / f"{backend}.expected.json"
    for path, content in ((rows_file, stored), (expected_file, reads)):
        if path.exists():
            raise SystemExit(f"{path} exists: a release's corpus is never rewritten")
        path.write_text(json.dumps(content, indent=1, sort_keys=True) + "\n")
    return rows_file, expected_file


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.corpus.make")
    parser.add_argument("release", help="the release's name, e.g. 0.2.0")
    args = parser.parse_args(argv)
    for backend in BACKENDS:
        for path in write(args.release, backend):
            print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
