"""Erasure end to end, over HTTP: after a participant is erased, nothing in the
database (a full ``pg_dump``; the SQLite file and its write-ahead log, byte for byte)
holds any of their values, the key that opened them or their rows in the search
index, while everyone else's are still read and found through the API, also after a
restart, and every history still verifies. Before the erasure, the search index
holds nothing readable of anyone.

Stored events are ``bytea`` on PostgreSQL, which ``pg_dump`` writes in hex: every
value is searched for as text and as hex, and a value stored in clear (the employer
of a placement) is found that way, so the search is known to work.
"""

import contextlib
import hashlib
import logging
import subprocess
import uuid
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from fastapi.testclient import TestClient

from application.access import Role
from application.privacy.index import name_terms
from application.settings import Settings
from application.storage import IDEMPOTENCY_TABLE
from application.storage import KEYS_TABLE
from application.storage import SEARCH_TABLE
from domain.participant import name_words
from interfaces.http.app import create_app
from tests.interfaces.conftest import signed_in
from tests.interfaces.helpers import UNKNOWN_ID
from tests.interfaces.helpers import ApiClient
from tests.interfaces.helpers import as_role
from tests.interfaces.helpers import created
from tests.interfaces.helpers import history
from tests.interfaces.helpers import intake
from tests.interfaces.helpers import placement
from tests.interfaces.helpers import recorded
from tests.interfaces.helpers import referral_body
from tests.interfaces.helpers import register_programme
from tests.interfaces.helpers import session


def national_number(born: str, serial: str) -> str:
    """A valid national register number of someone born in 2000 or later."""
    base = born[2:4] + born[5:7] + born[8:10] + serial
    return base + f"{97 - int('2' + base) % 97:02d}"


@dataclass(frozen=True)
class Person:
    given_name: str
    family_name: str
    birth_date: str
    phone: str
    note: str

    @property
    def email(self) -> str:
        return f"{self.given_name}.{self.family_name}@example.org".lower()

    @property
    def national_register_number(self) -> str:
        return national_number(self.birth_date, "517")

    def body(self) -> dict[str, Any]:
        return {
            "given_name": self.given_name,
            "family_name": self.family_name,
            "birth_date": self.birth_date,
            "gender": "X",
            "national_register_number": self.national_register_number,
            "email": self.email,
            "phone": self.phone,
        }

    def values(self) -> list[str]:
        return [
            self.given_name,
            self.family_name,
            self.birth_date,
            self.national_register_number,
            self.email,
            self.phone,
            self.note,
        ]


ERASED = Person(
    "Zoltanabelle",
    "Vercruysse-Oplinter",
    "2003-11-29",
    "+32 475 90 12 34",
    "Zoltanabelle vertelde over haar schulden bij het OCMW van Oplinter",
)
KEPT = [
    Person(
        "Quirijntje",
        "Baeckelandt",
        "2004-02-17",
        "+32 486 11 22 33",
        "Quirijntje zoekt werk in de tuinbouw, liefst in Sint-Truiden",
    ),
    Person(
        "Wannesius",
        "Ooghe-Daelemans",
        "2002-09-08",
        "+32 499 44 55 66",
        "Wannesius heeft een rijbewijs B en een attest van de VDAB-opleiding",
    ),
]
CLEAR_EMPLOYER = "Bakkerij Kwatongebakske"  # stored in clear: the search finds it


@dataclass
class Store:
    url: str
    dump: Callable[[], bytes]
    keys: Callable[[], dict[str, bytes]]
    index: Callable[[], dict[str, set[bytes]]] = dict  # tokens by participant


def by_participant(rows: list[Any]) -> dict[str, set[bytes]]:
    tokens: dict[str, set[bytes]] = {}
    for participant_id, token in rows:
        tokens.setdefault(str(participant_id), set()).add(bytes(token))
    return tokens


def index_tokens_in_dump(dump: bytes) -> list[bytes]:
    """The tokens of the search index as pg_dump writes them: the first column of
    its COPY block, bytea in hex (the organisation, in clear, left aside)."""
    start = dump.index(f"COPY public.{SEARCH_TABLE} ".encode())
    block = dump[dump.index(b"\n", start) + 1 : dump.index(b"\n\\.", start)]
    return [line.split(b"\t")[0] for line in block.splitlines()]


def _postgres_store(server: str) -> Iterator[Store]:
    name = f"erasure_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = server.rsplit("/", 1)[0] + f"/{name}"

    def dump() -> bytes:
        return subprocess.run(
            ["pg_dump", "--dbname", url], check=True, capture_output=True, timeout=120
        ).stdout

    def keys() -> dict[str, bytes]:
        with psycopg.connect(url) as connection:
            rows = connection.execute(
                f"SELECT participant_id, wrapped FROM {KEYS_TABLE}"
            ).fetchall()
        return {str(row[0]): bytes(row[1]) for row in rows}

    def index() -> dict[str, set[bytes]]:
        with psycopg.connect(url) as connection:
            rows = connection.execute(
                f"SELECT participant_id, token FROM {SEARCH_TABLE}"
            ).fetchall()
        return by_participant(rows)

    try:
        yield Store(url, dump, keys, index)
    finally:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def _sqlite_store(folder: Path) -> Store:
    path = folder / "trajectory.db"

    def dump() -> bytes:
        files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
        return b"".join(f.read_bytes() for f in files if f.exists())

    def keys() -> dict[str, bytes]:
        import sqlite3

        with sqlite3.connect(path) as connection:
            rows = connection.execute(
                f"SELECT participant_id, wrapped FROM {KEYS_TABLE}"
            ).fetchall()
        return {str(row[0]): bytes(row[1]) for row in rows}

    def index() -> dict[str, set[bytes]]:
        import sqlite3

        with sqlite3.connect(path) as connection:
            rows = connection.execute(
                f"SELECT participant_id, token FROM {SEARCH_TABLE}"
            ).fetchall()
        return by_participant(rows)

    return Store(f"sqlite:///{path}", dump, keys, index)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        yield _sqlite_store(tmp_path)
        return
    server: str = request.getfixturevalue("postgres_server")
    yield from _postgres_store(server)


@contextlib.contextmanager
def serving(store: Store) -> Iterator[ApiClient]:
    app = create_app(Settings(database_url=store.url, snapshot_interval=5))
    with ApiClient(app, raise_server_exceptions=False) as client:
        yield signed_in(client)


def found(dump: bytes, value: str | bytes) -> bool:
    """Whether the value is in the dump, as it is or hex-encoded (bytea)."""
    raw = value.encode() if isinstance(value, str) else value
    return raw in dump or raw.hex().encode() in dump


def enrol(client: TestClient, person: Person) -> tuple[str, str]:
    """Registers the person (with an idempotency key), refers them, takes them in,
    and records a session with their note and a placement."""
    participant_id = created(
        client.post(
            "/participants",
            json=person.body(),
            headers={"Idempotency-Key": f"register-{person.family_name}"},
        )
    )["id"]
    trajectory_id = created(
        client.post("/trajectories", json=referral_body(participant_id))
    )["id"]
    recorded(  # six events: the trajectory is snapshotted at the fifth
        client,
        trajectory_id,
        intake(),
        session(note=person.note),
        session(on="2024-03-01", note=f"{person.given_name}: {person.phone}"),
        placement(employer=CLEAR_EMPLOYER),
        session(on="2024-04-10", note=person.note.upper()),
    )
    return participant_id, trajectory_id


def note_of(client: TestClient, trajectory_id: str) -> Any:
    """The note of the trajectory's first session."""
    entries = [e for e in history(client, trajectory_id) if e["type"] == "SessionHeld"]
    return entries[0]["data"]["note"]


def test_an_erased_participant_is_nowhere_in_the_database_and_the_others_still_read(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with serving(store) as client:
        register_programme(client)
        erased_id, erased_trajectory = enrol(client, ERASED)
        kept = [enrol(client, person) for person in KEPT]
        # Reads that leave traces: the access log, metrics; a refused write.
        assert client.get(f"/participants/{erased_id}").status_code == 200
        assert note_of(client, erased_trajectory) == ERASED.note
        client.app.state.views.wait()  # type: ignore[attr-defined]
        names = {
            e["participant_name"] for e in client.get("/caseload").json()["entries"]
        }
        assert f"{ERASED.given_name} {ERASED.family_name}" in names
        refused = client.post(
            "/participants", json={**ERASED.body(), "email": ERASED.email + "@"}
        )
        assert refused.status_code == 422
        evaluator = as_role(client, Role.EVALUATOR)
        outcomes_before = client.get("/outcomes", headers=evaluator).json()
        service = client.app.state.service  # type: ignore[attr-defined]
        assert list(service.snapshots.get(UUID(erased_trajectory)))  # snapshotted
        wrapped = store.keys()
        assert found(store.dump(), wrapped[erased_id])  # the search finds a key
        found_by_name = client.get("/participants", params={"name": "zoltanab"})
        assert [p["id"] for p in found_by_name.json()["participants"]] == [erased_id]
        indexed = store.index()
        assert set(indexed) == {erased_id, *(p for p, _ in kept)}
        assert all(found(store.dump(), token) for token in indexed[erased_id])
        assert_nothing_readable_in_the_index(store, indexed)

        erasure = client.delete(
            f"/participants/{erased_id}", headers=as_role(client, Role.ADMIN)
        )
        again = client.delete(
            f"/participants/{erased_id}", headers=as_role(client, Role.ADMIN)
        )

        assert erasure.status_code == 200, erasure.text
        assert erasure.json()["erased_now"] is True
        assert again.status_code == 200
        assert again.json() == {**erasure.json(), "erased_now": False}
        assert client.get(f"/participants/{erased_id}").status_code == 410
        assert note_of(client, erased_trajectory) == "erased"
        client.app.state.views.wait()  # type: ignore[attr-defined]
        entries = client.get("/caseload").json()["entries"]
        by_trajectory = {e["trajectory_id"]: e["participant_name"] for e in entries}
        assert by_trajectory[erased_trajectory] == "erased"
        assert client.get("/outcomes", headers=evaluator).json() == outcomes_before
        verification = client.get(
            "/audit/verify", headers=as_role(client, Role.AUDITOR)
        ).json()
        assert verification["intact"] is True
        metrics = client.get("/metrics").text
        access_log = client.get(
            "/audit/access", headers=as_role(client, Role.AUDITOR)
        ).text

        dump = store.dump()
        for value in ERASED.values():
            assert not found(dump, value), f"{value!r} is still in the database"
        assert not found(dump, wrapped[erased_id]), "the erased key is still there"
        assert erased_id not in store.index()
        for token in indexed[erased_id]:
            assert not found(dump, token), "a row of the erased one is in the index"
        for participant_id, _ in kept:
            assert store.index()[participant_id] == indexed[participant_id]
        assert found(dump, CLEAR_EMPLOYER)  # what is stored in clear is found
        for participant_id, _ in kept:
            assert found(dump, wrapped[participant_id])
        for text in (metrics, access_log, caplog.text):
            for person in [ERASED, *KEPT]:
                for value in person.values():
                    assert value not in text, f"{value!r} in metrics or logs"

    # A restart opens the others' keys again; the erased one stays erased.
    with serving(store) as client:
        for (participant_id, trajectory_id), person in zip(kept, KEPT, strict=True):
            read = client.get(f"/participants/{participant_id}")
            assert read.status_code == 200
            assert read.json()["national_register_number"] == (
                person.national_register_number
            )
            assert note_of(client, trajectory_id) == person.note
            search = client.get("/participants", params={"name": person.family_name})
            assert [p["id"] for p in search.json()["participants"]] == [participant_id]
        assert client.get(f"/participants/{erased_id}").status_code == 410
        search = client.get("/participants", params={"name": ERASED.given_name})
        assert search.json()["participants"] == []


def readable_forms(person: Person) -> set[str]:
    """Each of the person's details as an index could take them in clear: their
    values, the words of their names in lower case without accents (each name also
    as one word), the birth date and the number as digits."""
    forms = {*person.values(), person.birth_date.replace("-", "")}
    for name in (person.given_name, person.family_name):
        forms |= {*name_words(name), "".join(name_words(name))}
    return {form for form in forms if len(form) >= 4}


def unkeyed_digests(person: Person) -> set[bytes]:
    """What an index of plain hashes of the terms would store: anyone could compute
    these from a guessed name."""
    terms = name_terms(person.given_name, person.family_name)
    texts = {f"{kind}\x00{value}" for kind, value in terms} | {v for _, v in terms}
    return {
        getattr(hashlib, algorithm)(text.encode()).digest()[:16]
        for text in texts
        for algorithm in ("md5", "sha1", "sha256")
    }


def assert_nothing_readable_in_the_index(
    store: Store, indexed: dict[str, set[bytes]]
) -> None:
    """No value or word of a name is in a token of the index, as it is stored or as
    the dump writes it; each token is 16 bytes, and none is a plain hash of a term."""
    tokens = [token for each in indexed.values() for token in each]
    assert all(len(token) == 16 for token in tokens)
    dumped = []
    if store.url.startswith("postgresql"):
        dumped = index_tokens_in_dump(store.dump())
        assert len(dumped) == len(tokens)
    for person in [ERASED, *KEPT]:
        assert unkeyed_digests(person).isdisjoint(tokens)
        for form in readable_forms(person):
            assert not any(form.encode() in token for token in tokens), form
            assert not any(form.encode().hex().encode() in row for row in dumped), form


def test_erasure_forgets_the_answers_kept_for_retries_of_writes_about_them(
    database_url: str,
) -> None:
    store = Store(database_url, bytes, dict)
    with serving(store) as client:
        register_programme(client)
        erased_id, erased_trajectory = enrol(client, ERASED)
        kept_id, kept_trajectory = enrol(client, KEPT[0])
        for person, trajectory_id in (
            (ERASED, erased_trajectory),
            (KEPT[0], kept_trajectory),
        ):
            created(  # kept: a fingerprint of a body with the note
                client.post(
                    f"/trajectories/{trajectory_id}/events",
                    json=session(on="2024-05-02", note=person.note),
                    headers={"Idempotency-Key": f"session-{person.family_name}"},
                )
            )

        client.delete(f"/participants/{erased_id}", headers=as_role(client, Role.ADMIN))

        service = client.app.state.service  # type: ignore[attr-defined]
        rows = service.idempotency.tables.run(
            (f"SELECT aggregate_id FROM {service.idempotency.table}", ()),
            commit=False,
        )
        assert IDEMPOTENCY_TABLE in service.idempotency.table
        assert sorted(str(row[0]) for row in rows) == sorted([kept_id, kept_trajectory])


def test_only_an_admin_erases_and_an_unknown_participant_is_not_found(
    client: TestClient,
) -> None:
    participant_id = created(client.post("/participants", json=KEPT[0].body()))["id"]

    by_staff = client.delete(f"/participants/{participant_id}")
    by_auditor = client.delete(
        f"/participants/{participant_id}", headers=as_role(client, Role.AUDITOR)
    )
    unknown = client.delete(
        f"/participants/{UNKNOWN_ID}", headers=as_role(client, Role.ADMIN)
    )

    assert (by_staff.status_code, by_auditor.status_code) == (403, 403)
    assert unknown.status_code == 404
    assert client.get(f"/participants/{participant_id}").status_code == 200
