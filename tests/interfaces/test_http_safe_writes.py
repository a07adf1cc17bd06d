"""Safe writes: Idempotency-Key, racing writers, and a database that goes away."""

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from application.access import Role
from application.idempotency import canonical_body
from application.idempotency import request_fingerprints
from application.settings import Settings
from interfaces.http.app import create_app
from tests.conftest import ThrowawayPostgres
from tests.interfaces.conftest import signed_in
from tests.interfaces.helpers import ORGANISATION
from tests.interfaces.helpers import ApiClient
from tests.interfaces.helpers import bearer
from tests.interfaces.helpers import created
from tests.interfaces.helpers import history
from tests.interfaces.helpers import participant_body
from tests.interfaces.helpers import placement
from tests.interfaces.helpers import record
from tests.interfaces.helpers import referral_body
from tests.interfaces.helpers import register_programme
from tests.interfaces.helpers import session
from tests.interfaces.helpers import taken_in

KEY = {"Idempotency-Key": "9b3c7a52-0d4e-4f61-8a2b-5c6d7e8f9a01"}


@pytest.fixture
def catalogued(client: TestClient) -> TestClient:
    register_programme(client)
    return client


# Idempotency-Key ----------------------------------------------------------------------


def test_a_retried_event_gets_the_first_answer_and_is_recorded_once(
    catalogued: TestClient,
) -> None:
    trajectory_id = taken_in(catalogued)

    first = record(catalogued, trajectory_id, session(), headers=KEY)
    retry = record(catalogued, trajectory_id, session(), headers=KEY)

    assert (first.status_code, retry.status_code) == (201, 201)
    assert (
        retry.json()
        == first.json()
        == {
            "trajectory_id": trajectory_id,
            "version": 3,
            "type": "SessionHeld",
        }
    )
    assert retry.headers["ETag"] == first.headers["ETag"] == '"3"'
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert [e["type"] for e in history(catalogued, trajectory_id)] == [
        "ReferralReceived",
        "IntakeCompleted",
        "SessionHeld",
    ]


def test_a_retry_after_later_writes_still_gets_the_first_answer(
    catalogued: TestClient,
) -> None:
    trajectory_id = taken_in(catalogued)
    first = record(catalogued, trajectory_id, session(), headers=KEY)
    record(catalogued, trajectory_id, session(minutes=30))

    retry = record(catalogued, trajectory_id, session(), headers=KEY)

    assert retry.json()["version"] == first.json()["version"] == 3
    assert len(history(catalogued, trajectory_id)) == 4


def test_a_key_reused_for_a_different_request_is_422_and_records_nothing(
    catalogued: TestClient,
) -> None:
    trajectory_id = taken_in(catalogued)
    record(catalogued, trajectory_id, session(), headers=KEY)

    response = record(catalogued, trajectory_id, session(minutes=45), headers=KEY)

    assert response.status_code == 422
    assert response.json()["detail"]["code"] == "idempotency_key_reused"
    assert KEY["Idempotency-Key"] in response.json()["detail"]["message"]
    assert len(history(catalogued, trajectory_id)) == 3


def reserialised(body: dict[str, Any]) -> bytes:
    """The JSON value that ``json=body`` sends, as another client writes it: keys in
    the reverse order, indented, spaces around the separators, non-ASCII escaped, and
    a line break at the end."""
    reordered = dict(reversed(body.items()))
    return (json.dumps(reordered, indent=4, separators=(" , ", " : ")) + "\n").encode()


def post_json(
    client: TestClient, path: str, content: bytes, headers: dict[str, str]
) -> httpx.Response:
    response: httpx.Response = client.post(
        path, content=content, headers={**headers, "Content-Type": "application/json"}
    )
    return response


def stored_events(client: TestClient) -> int:
    """How many events the store holds, of every aggregate."""
    service = client.app.state.service  # type: ignore[attr-defined]
    return int(service.recorder.max_notification_id() or 0)


def test_a_retry_of_the_same_json_written_otherwise_gets_the_first_answer(
    catalogued: TestClient,
) -> None:
    trajectory_id = taken_in(catalogued)
    event = session(note="visited the bakery in Liège together")
    first = record(catalogued, trajectory_id, event, headers=KEY)
    events = stored_events(catalogued)
    path = f"/trajectories/{trajectory_id}/events"

    retry = post_json(catalogued, path, reserialised(event), KEY)

    assert reserialised(event) != first.request.content
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert retry.headers["ETag"] == first.headers["ETag"]
    assert retry.headers["Location"] == first.headers["Location"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert stored_events(catalogued) == events
    assert len(history(catalogued, trajectory_id)) == 3


def test_a_registration_retried_as_other_json_registers_once(
    catalogued: TestClient,
) -> None:
    first = catalogued.post("/participants", json=participant_body(), headers=KEY)
    events = stored_events(catalogued)

    again = reserialised(participant_body())
    retry = post_json(catalogued, "/participants", again, KEY)

    assert (first.status_code, retry.status_code) == (201, 201)
    assert created(retry) == created(first)
    assert retry.headers["Location"] == first.headers["Location"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert stored_events(catalogued) == events


WITHOUT_NOTE = {name: value for name, value in session().items() if name != "note"}


@pytest.mark.parametrize(
    ("first", "retry"),
    [
        pytest.param(session(), session(minutes=45), id="another value"),
        pytest.param(placement(), placement(hours_per_week=19.5), id="19 then 19.5"),
        pytest.param(placement(), placement(hours_per_week="19"), id="19 then '19'"),
        pytest.param(session(), WITHOUT_NOTE, id="a field left out"),
        pytest.param(WITHOUT_NOTE, session(), id="a field added"),
    ],
)
def test_a_key_reused_for_another_json_value_is_422_however_it_is_written(
    catalogued: TestClient, first: dict[str, Any], retry: dict[str, Any]
) -> None:
    trajectory_id = taken_in(catalogued)
    path = f"/trajectories/{trajectory_id}/events"
    assert record(catalogued, trajectory_id, first, headers=KEY).status_code == 201
    events = stored_events(catalogued)

    response = post_json(catalogued, path, reserialised(retry), KEY)

    assert response.status_code == 422
    assert response.json()["detail"]["code"] == "idempotency_key_reused"
    assert stored_events(catalogued) == events
    assert len(history(catalogued, trajectory_id)) == 3


def test_a_key_stored_before_json_counted_by_value_answers_a_retry_of_its_bytes(
    catalogued: TestClient,
) -> None:
    """A record stored by the earlier code, within the 7 days records are kept,
    holds the fingerprint of the body's bytes: a retry with the same bytes after
    the upgrade gets the first answer."""
    trajectory_id = taken_in(catalogued)
    path = f"/trajectories/{trajectory_id}/events"
    sent = reserialised(session())
    first = post_json(catalogued, path, sent, KEY)
    service = catalogued.app.state.service  # type: ignore[attr-defined]
    records = service.idempotency
    key = KEY["Idempotency-Key"]
    select = f"SELECT fingerprint FROM {records.table} WHERE key = %s"
    by_bytes = service.keyring.fingerprint("POST", path, "", sent)  # the earlier one
    assert records.tables.run((select, (key,))) != [(by_bytes,)]
    update = f"UPDATE {records.table} SET fingerprint = %s WHERE key = %s"
    records.tables.run((update, (by_bytes, key)))
    events = stored_events(catalogued)

    retry = post_json(catalogued, path, sent, KEY)

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert stored_events(catalogued) == events


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (b'{"a": 1, "b": [true, null]}', b'{"b":[true,null],"a":1}'),
        (b'{"note": "Li\\u00e8ge"}', '{"note":"Liège"}'.encode()),
        (b'{"a": 1, "a": 2}', b'{"a":2}'),  # as the service reads it: the last
        (b"[1, 2]\r\n", b"[1,2]"),
    ],
)
def test_json_bodies_with_one_value_are_one_request(one: bytes, other: bytes) -> None:
    assert canonical_body(one) == canonical_body(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (b'{"hours": 1}', b'{"hours": 1.5}'),
        (b'{"hours": 1}', b'{"hours": 1.0}'),  # a whole number is strict
        (b'{"postcode": "38"}', b'{"postcode": 38}'),
        (b'{"paid": true}', b'{"paid": 1}'),
        (b'{"a": 1}', b'{"a": 1, "b": null}'),
        (b"[1, 2]", b"[2, 1]"),
    ],
)
def test_json_bodies_with_other_values_are_other_requests(
    one: bytes, other: bytes
) -> None:
    assert canonical_body(one) != canonical_body(other)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"--boundary\r\nContent-Disposition: form-data; name=file\r\n\r\na;b\r\n",
        b"given_name=Lotte&family_name=Claes",
        b'{"a": 1',
        b"\xff\xfe{}",
        b"[" * 100_000,
    ],
    ids=["empty", "multipart", "form", "cut short", "not UTF-8", "deep"],
)
def test_a_body_that_is_not_json_keeps_the_fingerprint_of_its_bytes(
    body: bytes,
) -> None:
    def fingerprint(*parts: str | bytes) -> str:
        return repr(parts)

    assert request_fingerprints(fingerprint, "POST", "/imports", "", body) == (
        fingerprint("POST", "/imports", "", body),
        (),
    )


def test_a_key_belongs_to_the_token_that_sent_it(catalogued: TestClient) -> None:
    trajectory_id = taken_in(catalogued)
    tokens = catalogued.app.state.service.tokens  # type: ignore[attr-defined]
    _, jef = tokens.create(role=Role.STAFF, name="Jef", organisation=ORGANISATION)
    record(catalogued, trajectory_id, session(), headers=KEY)

    response = record(
        catalogued, trajectory_id, session(), headers={**KEY, **bearer(jef)}
    )

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers
    assert len(history(catalogued, trajectory_id)) == 4


def test_retried_registrations_and_referrals_create_one_of_each(
    catalogued: TestClient,
) -> None:
    registered = [
        catalogued.post("/participants", json=participant_body(), headers=KEY)
        for _ in range(2)
    ]
    participant_id = created(registered[0])["id"]
    referral = {"Idempotency-Key": "referral-1"}
    referred = [
        catalogued.post(
            "/trajectories", json=referral_body(participant_id), headers=referral
        )
        for _ in range(2)
    ]

    assert created(registered[1]) == created(registered[0])
    assert created(referred[1]) == created(referred[0])
    assert referred[1].headers["Location"] == referred[0].headers["Location"]
    catalogued.app.state.views.wait()  # type: ignore[attr-defined]
    assert catalogued.get("/trajectories").json()["total"] == 1


def test_a_refused_write_is_not_stored_so_its_retry_runs_again(
    catalogued: TestClient,
) -> None:
    trajectory_id = taken_in(catalogued)
    stale = {**KEY, "If-Match": '"1"'}

    first = record(catalogued, trajectory_id, session(), headers=stale)
    retry = record(catalogued, trajectory_id, session(), headers=stale)

    assert (first.status_code, retry.status_code) == (409, 409)
    assert len(history(catalogued, trajectory_id)) == 2


@pytest.mark.parametrize("key", ["", "a" * 201, "with space", "tab\tinside"], ids=repr)
def test_a_malformed_key_is_refused_naming_the_header(
    catalogued: TestClient, key: str
) -> None:
    trajectory_id = taken_in(catalogued)

    response = catalogued.post(
        f"/trajectories/{trajectory_id}/events",
        json=session(),
        headers={"Idempotency-Key": key},
    )

    assert response.status_code == 422
    assert response.json()["detail"]["errors"][0]["field"] == "header.idempotency-key"
    assert len(history(catalogued, trajectory_id)) == 2


def test_a_retry_after_a_restart_gets_the_first_answer(database_url: str) -> None:
    settings = Settings(database_url=database_url, run_projections=False)
    with ApiClient(create_app(settings)) as client:
        signed_in(client)
        register_programme(client)
        trajectory_id = taken_in(client)
        first = record(client, trajectory_id, session(), headers=KEY)
        token = client.headers["Authorization"]

    with ApiClient(create_app(settings)) as restarted:
        restarted.headers["Authorization"] = token
        retry = record(restarted, trajectory_id, session(), headers=KEY)

        assert retry.status_code == 201
        assert retry.json() == first.json()
        assert len(history(restarted, trajectory_id)) == 3


def test_concurrent_requests_with_one_key_record_once_and_agree(
    catalogued: TestClient,
) -> None:
    trajectory_id = taken_in(catalogued)
    threads = 8
    start = Barrier(threads)

    def send(_: int) -> httpx.Response:
        start.wait()
        return record(catalogued, trajectory_id, session(), headers=KEY)

    with ThreadPoolExecutor(threads) as pool:
        answers = list(pool.map(send, range(threads)))

    assert {a.status_code for a in answers} == {201}
    assert {a.json()["version"] for a in answers} == {3}
    assert len(history(catalogued, trajectory_id)) == 3


# Racing writers -----------------------------------------------------------------------


def race(
    client: TestClient, trajectory_id: str, threads: int, headers: dict[str, str]
) -> list[httpx.Response]:
    start = Barrier(threads)

    def send(minutes: int) -> httpx.Response:
        start.wait()
        return record(
            client, trajectory_id, session(minutes=minutes + 1), headers=headers
        )

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(send, range(threads)))


def test_writers_racing_on_one_version_have_exactly_one_winner(
    catalogued: TestClient,
) -> None:
    trajectory_id = taken_in(catalogued)

    answers = race(catalogued, trajectory_id, 12, {"If-Match": '"2"'})

    statuses = Counter(a.status_code for a in answers)
    assert statuses == {201: 1, 409: 11}
    losers = [a.json()["detail"] for a in answers if a.status_code == 409]
    assert {d["current_version"] for d in losers} == {3}
    [winner] = [a for a in answers if a.status_code == 201]
    entries = history(catalogued, trajectory_id)
    assert [e["version"] for e in entries] == [1, 2, 3]
    assert entries[2]["data"]["minutes"] == _minutes_of(winner)


def test_writers_racing_without_if_match_lose_nothing_and_double_nothing(
    catalogued: TestClient,
) -> None:
    trajectory_id = taken_in(catalogued)

    answers = race(catalogued, trajectory_id, 12, {})

    won = [a for a in answers if a.status_code == 201]
    assert {a.status_code for a in answers} <= {201, 409}
    entries = history(catalogued, trajectory_id)
    assert [e["version"] for e in entries] == list(range(1, 3 + len(won)))
    assert sorted(a.json()["version"] for a in won) == list(range(3, 3 + len(won)))
    recorded_minutes = sorted(e["data"]["minutes"] for e in entries[2:])
    assert recorded_minutes == sorted(_minutes_of(a) for a in won)


def _minutes_of(answer: httpx.Response) -> Any:
    """The minutes of the session a 201 answered for, read back from its request."""
    return json.loads(answer.request.content)["minutes"]


def test_writers_racing_on_different_trajectories_all_win(
    catalogued: TestClient,
) -> None:
    trajectories = [taken_in(catalogued) for _ in range(8)]
    start = Barrier(len(trajectories))

    def send(trajectory_id: str) -> httpx.Response:
        start.wait()
        return record(catalogued, trajectory_id, session())

    with ThreadPoolExecutor(len(trajectories)) as pool:
        answers = list(pool.map(send, trajectories))

    assert [a.status_code for a in answers] == [201] * len(trajectories)
    for trajectory_id in trajectories:
        assert [e["version"] for e in history(catalogued, trajectory_id)] == [1, 2, 3]


# The database goes away ---------------------------------------------------------------


def test_a_stopped_database_gets_503_and_every_acknowledged_write_survives(
    throwaway_postgres: ThrowawayPostgres,
) -> None:
    settings = Settings(database_url=throwaway_postgres.url, run_projections=False)
    with ApiClient(create_app(settings), raise_server_exceptions=False) as client:
        signed_in(client)
        register_programme(client)
        trajectory_id = taken_in(client)
        acknowledged = [created(record(client, trajectory_id, session()))["version"]]

        throwaway_postgres.stop()
        down = record(client, trajectory_id, session(minutes=20), headers=KEY)
        health = client.get("/health")
        breaker = client.app.state.breaker  # type: ignore[attr-defined]
        tripped = breaker.open
        later = client.get(f"/trajectories/{trajectory_id}")
        throwaway_postgres.start()
        again = record(client, trajectory_id, session(minutes=20), headers=KEY)
        acknowledged.append(created(again)["version"])

        assert down.status_code == 503
        assert down.json()["detail"]["code"] == "database_unavailable"
        assert down.headers["Retry-After"] == "5"
        assert health.status_code == 503
        assert tripped, "once down, the database is pinged, not waited for"
        assert later.status_code == 503
        assert not breaker.open
        assert [e["version"] for e in history(client, trajectory_id)] == [1, 2, 3, 4]
        assert acknowledged == [3, 4]
