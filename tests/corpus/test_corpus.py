"""Every release's stored rows, loaded into a fresh store, read with today's code as
they read when they were written: the state now, at every version and as of dates,
the history, the participants, the hash chains and the seal, and the views.

What a release reads may gain fields (a new figure, a new column of the state); what
it read before must still read the same.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from application.service import Trajectories
from application.versions import event_classes
from tests.corpus import expected
from tests.corpus import rows
from tests.corpus.make import RELEASES
from tests.corpus.make import settings

CORPORA = sorted(path.name for path in RELEASES.iterdir() if path.is_dir())


def missing(actual: Any, wanted: Any, where: str = "") -> list[str]:
    """Where ``actual`` does not read as ``wanted`` (which may hold less)."""
    if isinstance(wanted, dict):
        if not isinstance(actual, dict):
            return [f"{where}: {actual!r} is not a mapping"]
        problems = []
        for key, value in wanted.items():
            if key not in actual:
                problems.append(f"{where}.{key}: absent")
            else:
                problems += missing(actual[key], value, f"{where}.{key}")
        return problems
    if isinstance(wanted, list):
        if not isinstance(actual, list) or len(actual) != len(wanted):
            return [f"{where}: {actual!r} is not {wanted!r}"]
        return [
            problem
            for index, (a, w) in enumerate(zip(actual, wanted, strict=True))
            for problem in missing(a, w, f"{where}[{index}]")
        ]
    return [] if actual == wanted else [f"{where}: {actual!r} is not {wanted!r}"]


def corpus(release: str, backend: str) -> tuple[dict[str, Any], dict[str, Any]]:
    folder = RELEASES / release
    stored = json.loads((folder / f"{backend}.rows.json").read_text())
    wanted = json.loads((folder / f"{backend}.expected.json").read_text())
    for row in wanted["caseload"].values():  # what a release wrote before they were
        for column in expected.CASELOAD_COLUMNS_LEFT_OUT:
            row.pop(column, None)
    return stored, wanted


def loaded(url: str, stored: dict[str, Any]) -> Trajectories:
    Trajectories(settings(url)).close()  # today's schema
    service = Trajectories(settings(url))
    try:
        rows.load(service, stored)
    finally:
        service.close()
    return Trajectories(settings(url))  # nothing cached: every read from the rows


@pytest.mark.parametrize("release", CORPORA)
def test_each_release_reads_as_it_did(release: str, database_url: str) -> None:
    backend = "sqlite" if database_url.startswith("sqlite") else "postgres"
    stored, wanted = corpus(release, backend)

    service = loaded(database_url, stored)
    try:
        reads = expected.read(service)
    finally:
        service.close()

    assert missing(reads, wanted, release) == []


def test_the_corpus_holds_every_event_type_of_every_aggregate() -> None:
    stored_topics = {
        row[3]
        for release in CORPORA
        for backend in ("sqlite", "postgres")
        for row in corpus(release, backend)[0]["events"]
    }
    topics = {topic for topic, _ in event_classes()}

    assert topics - stored_topics == set(), "add them to tests/corpus/history.py"


def test_the_corpus_has_snapshots_retractions_and_an_erasure() -> None:
    for release in CORPORA:
        stored, wanted = corpus(release, "sqlite")
        topics = [row[3] for row in stored["events"]]
        assert stored["snapshots"], release
        assert "trajectory:EntryRetracted" in topics, release
        assert "trajectory:ParticipantErased" in topics, release
        assert any(p["erased"] for p in wanted["participants"].values()), release


def test_a_changed_stored_byte_is_found(tmp_path: Path) -> None:
    stored, _ = corpus(CORPORA[0], "sqlite")
    first = stored["events"][10]
    state = rows.from_json(first[4])
    first[4] = rows.as_json(state.replace(b'"', b"'", 1) if b'"' in state else state)

    service = loaded(f"sqlite:///{tmp_path}/changed.db", stored)
    try:
        verification = service.verify()
    finally:
        service.close()

    assert not verification.intact
