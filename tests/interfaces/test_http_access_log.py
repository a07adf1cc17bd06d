"""The access log over HTTP: every read of personal data is recorded before it is
answered, and auditors query the log with GET /audit/access."""

from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import OperationalError
from fastapi.testclient import TestClient

from application.access import Role
from application.service import Trajectories
from application.views import Views
from tests.interfaces.conftest import STAFF_NAME
from tests.interfaces.helpers import ORGANISATION
from tests.interfaces.helpers import as_role
from tests.interfaces.helpers import error_fields
from tests.interfaces.helpers import intake
from tests.interfaces.helpers import participant_body
from tests.interfaces.helpers import recorded
from tests.interfaces.helpers import referral_body
from tests.interfaces.helpers import register_participant
from tests.interfaces.helpers import register_programme
from tests.interfaces.helpers import session
from tests.interfaces.helpers import taken_in

PARTICIPANT_ROUTE = "GET /participants/{participant_id}"
HISTORY_ROUTE = "GET /trajectories/{trajectory_id}/history"


def service_of(client: TestClient) -> Trajectories:
    service: Trajectories = client.app.state.service  # type: ignore[attr-defined]
    return service


def views_of(client: TestClient) -> Views:
    views: Views = client.app.state.views  # type: ignore[attr-defined]
    return views


def token_id_of(client: TestClient, role: Role) -> str:
    secret = as_role(client, role)["Authorization"].removeprefix("Bearer ")
    caller = service_of(client).tokens.authenticate(secret)
    assert caller is not None
    return str(caller.token_id)


def access_log(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = client.get(
        "/audit/access", params=params, headers=as_role(client, Role.AUDITOR)
    )
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["entries"]
    return entries


def who_read_whom(entries: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(e["name"], e["role"], e["participant_id"], e["route"]) for e in entries]


def participant_of(client: TestClient, trajectory_id: str) -> str:
    return str(service_of(client).trajectory(UUID(trajectory_id)).participant_id)


# What is recorded ---------------------------------------------------------------------


def test_a_staff_read_of_a_participant_is_recorded(client: TestClient) -> None:
    participant_id = register_participant(client)

    response = client.get(f"/participants/{participant_id}")

    assert response.status_code == 200
    [entry] = access_log(client)
    assert entry == {
        "id": entry["id"],
        "at": entry["at"],
        "token_id": token_id_of(client, Role.STAFF),
        "name": STAFF_NAME,
        "role": "staff",
        "organisation": ORGANISATION,
        "participant_id": participant_id,
        "route": PARTICIPANT_ROUTE,
    }
    assert entry["at"].endswith("Z")


def test_a_head_of_a_participant_is_recorded_as_a_read(client: TestClient) -> None:
    participant_id = register_participant(client)

    response = client.head(f"/participants/{participant_id}")

    assert response.status_code == 200 and response.content == b""
    [entry] = access_log(client)
    assert (entry["participant_id"], entry["route"]) == (
        participant_id,
        PARTICIPANT_ROUTE,
    )


def test_an_auditors_read_of_a_participant_is_recorded(client: TestClient) -> None:
    participant_id = register_participant(client)

    client.get(f"/participants/{participant_id}", headers=as_role(client, Role.AUDITOR))

    [entry] = access_log(client)
    assert (entry["role"], entry["organisation"], entry["token_id"]) == (
        "auditor",
        None,
        token_id_of(client, Role.AUDITOR),
    )


def test_each_participant_on_a_caseload_page_is_recorded(client: TestClient) -> None:
    register_programme(client)
    first, second = taken_in(client), taken_in(client)
    views_of(client).wait()

    everyone = client.get("/caseload")
    one = client.get("/caseload", params={"limit": 1})

    assert (everyone.status_code, one.status_code) == (200, 200)
    [shown] = [e["participant_id"] for e in one.json()["entries"]]
    listed = {participant_of(client, t) for t in (first, second)}
    entries = who_read_whom(access_log(client))
    assert sorted(entries[:2]) == sorted(
        (STAFF_NAME, "staff", p, "GET /caseload") for p in listed
    )
    assert entries[2:] == [(STAFF_NAME, "staff", shown, "GET /caseload")]


def test_an_empty_caseload_records_nothing(client: TestClient) -> None:
    response = client.get("/caseload")

    assert response.json()["entries"] == []
    assert access_log(client) == []


def test_a_read_of_a_history_records_the_trajectorys_participant(
    client: TestClient,
) -> None:
    register_programme(client)
    trajectory_id = taken_in(client)
    recorded(client, trajectory_id, session(note="talked about her brother"))

    response = client.get(f"/trajectories/{trajectory_id}/history")

    assert response.status_code == 200
    participant_id = participant_of(client, trajectory_id)
    assert who_read_whom(access_log(client)) == [
        (STAFF_NAME, "staff", participant_id, HISTORY_ROUTE)
    ]


@pytest.mark.parametrize("query", ["", "?as_of_version=1", "?as_of=2024-03-01"])
def test_a_read_of_a_trajectorys_state_records_its_participant(
    client: TestClient, query: str
) -> None:
    register_programme(client)
    trajectory_id = taken_in(client)

    response = client.get(f"/trajectories/{trajectory_id}{query}")

    assert response.status_code == 200, response.text
    participant_id = participant_of(client, trajectory_id)
    assert who_read_whom(access_log(client)) == [
        (STAFF_NAME, "staff", participant_id, "GET /trajectories/{trajectory_id}")
    ]


def test_a_read_of_a_diff_records_the_trajectorys_participant(
    client: TestClient,
) -> None:
    register_programme(client)
    trajectory_id = taken_in(client)

    response = client.get(
        f"/trajectories/{trajectory_id}/diff",
        params={"from_version": 1, "to_version": 2},
    )

    assert response.status_code == 200, response.text
    participant_id = participant_of(client, trajectory_id)
    assert who_read_whom(access_log(client)) == [
        (STAFF_NAME, "staff", participant_id, "GET /trajectories/{trajectory_id}/diff")
    ]


def test_registering_and_recording_write_nothing_to_the_access_log(
    client: TestClient,
) -> None:
    register_programme(client)
    participant = client.post("/participants", json=participant_body())
    referral = client.post(
        "/trajectories", json=referral_body(participant.json()["id"])
    )
    trajectory_id = referral.json()["id"]

    recorded(client, trajectory_id, intake(), session())

    assert (participant.status_code, referral.status_code) == (201, 201)
    assert access_log(client) == []


def test_a_refused_read_is_not_recorded(client: TestClient) -> None:
    participant_id = register_participant(client)

    refused = client.get(
        f"/participants/{participant_id}", headers=as_role(client, Role.EVALUATOR)
    )

    assert refused.status_code == 403
    assert access_log(client) == []


def test_no_name_of_a_participant_is_in_the_log(client: TestClient) -> None:
    register_programme(client)
    trajectory_id = taken_in(client)
    participant_id = participant_of(client, trajectory_id)
    views_of(client).wait()
    client.get(f"/participants/{participant_id}")
    client.get("/caseload")
    client.get(f"/trajectories/{trajectory_id}/history")
    log = service_of(client).access_log

    rows = log.tables.run((f"SELECT * FROM {log.table}", ()), commit=False)
    answer = client.get("/audit/access", headers=as_role(client, Role.AUDITOR))

    assert len(rows) == 3
    for name in ("Lotte", "Claes"):
        assert name not in repr(rows)
        assert name not in answer.text


def test_a_read_that_cannot_be_recorded_fails_and_shows_nothing(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    participant_id = register_participant(client)

    def unavailable(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("the database went away")

    monkeypatch.setattr(service_of(client).access_log, "record", unavailable)
    response = client.get(f"/participants/{participant_id}")

    assert response.status_code == 503
    assert "Lotte" not in response.text


# What auditors ask --------------------------------------------------------------------


def test_an_auditor_asks_for_one_participants_reads_since_a_moment(
    client: TestClient,
) -> None:
    lotte, jonas = register_participant(client), register_participant(client)
    client.get(f"/participants/{lotte}")
    [earlier] = access_log(client)
    client.get(f"/participants/{jonas}")
    client.get(f"/participants/{lotte}")
    client.get(f"/participants/{lotte}", headers=as_role(client, Role.AUDITOR))

    lottes = access_log(client, participant=lotte)
    later = access_log(client, participant=lotte, since=access_log(client)[1]["at"])

    assert [(e["participant_id"], e["role"]) for e in lottes] == [
        (lotte, "staff"),
        (lotte, "staff"),
        (lotte, "auditor"),
    ]
    assert lottes[0] == earlier
    assert [e["role"] for e in later] == ["staff", "auditor"]
    assert later == lottes[1:]


def test_an_auditor_pages_through_the_log(client: TestClient) -> None:
    participants = [register_participant(client) for _ in range(3)]
    for participant_id in participants:
        client.get(f"/participants/{participant_id}")
    auditor = as_role(client, Role.AUDITOR)

    first = client.get("/audit/access", params={"limit": 2}, headers=auditor).json()
    after = first["next_after"]
    last = client.get(
        "/audit/access", params={"limit": 2, "after": after}, headers=auditor
    ).json()

    assert after == first["entries"][-1]["id"]
    assert [e["participant_id"] for e in first["entries"] + last["entries"]] == (
        participants
    )
    assert last["next_after"] is None


@pytest.mark.parametrize("role", [Role.STAFF, Role.EVALUATOR, Role.ADMIN])
def test_only_auditors_read_the_access_log(client: TestClient, role: Role) -> None:
    response = client.get("/audit/access", headers=as_role(client, role))

    assert response.status_code == 403
    assert response.json()["detail"]["message"].endswith("it takes: auditor")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"participant": "lotte"}, "query.participant"),
        ({"since": "2026-11-24T08:00:00"}, "query.since"),
        ({"since": "yesterday"}, "query.since"),
        ({"limit": 0}, "query.limit"),
        ({"after": -1}, "query.after"),
    ],
)
def test_a_malformed_query_is_refused_naming_the_field(
    client: TestClient, params: dict[str, Any], field: str
) -> None:
    response = client.get(
        "/audit/access", params=params, headers=as_role(client, Role.AUDITOR)
    )

    assert response.status_code == 422
    assert response.json()["detail"]["code"] == "invalid_request"
    assert error_fields(response) == [field]
