"""GET /audit/verify: auditors recompute every hash chain over HTTP."""

import json
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from application.access import Role
from tests.interfaces.helpers import as_role
from tests.interfaces.helpers import recorded
from tests.interfaces.helpers import register_programme
from tests.interfaces.helpers import session
from tests.interfaces.helpers import taken_in


def change_a_stored_byte(client: TestClient, trajectory_id: str, version: int) -> None:
    """What someone with the database in hand could do, past the triggers."""
    behind_the_service(
        client,
        "UPDATE {table} SET state = state || {mark}",
        b" ",
        trajectory_id,
        version,
    )


def delete_a_stored_event(client: TestClient, trajectory_id: str, version: int) -> None:
    behind_the_service(client, "DELETE FROM {table}", None, trajectory_id, version)


def behind_the_service(
    client: TestClient, change: str, value: Any, trajectory_id: str, version: int
) -> None:
    service: Any = client.app.state.service  # type: ignore[attr-defined]
    recorder = service.recorder
    table = recorder.events_table_name
    datastore = recorder.datastore
    postgres = service.settings.is_postgres
    key = UUID(trajectory_id) if postgres else UUID(trajectory_id).hex
    if postgres:
        table = f'"{datastore.schema}".{table}'
    mark = "%s" if postgres else "?"
    with datastore.transaction(commit=True) as cursor:
        if postgres:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        else:
            for operation in ("update", "delete"):
                cursor.execute(f"DROP TRIGGER {table}_refuse_{operation}")
        values = (key, version) if value is None else (value, key, version)
        cursor.execute(
            change.format(table=table, mark=mark)
            + f" WHERE originator_id = {mark} AND originator_version = {mark}",
            values,
        )
        if postgres:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def a_history(client: TestClient) -> str:
    register_programme(client)
    trajectory_id = taken_in(client)
    recorded(client, trajectory_id, session(), session(on="2024-03-04"))
    return trajectory_id


def test_an_auditor_finds_every_chain_intact(client: TestClient) -> None:
    a_history(client)

    response = client.get("/audit/verify", headers=as_role(client, Role.AUDITOR))

    assert response.status_code == 200
    report = response.json()
    assert report["intact"] is True
    assert report["broken"] == [] and report["first_broken"] is None
    assert report["events"] == report["position"] > 0


def test_a_changed_event_is_named_with_the_hashes(client: TestClient) -> None:
    trajectory_id = a_history(client)
    change_a_stored_byte(client, trajectory_id, 3)

    report = client.get("/audit/verify", headers=as_role(client, Role.AUDITOR)).json()

    assert report["intact"] is False and report["broken_aggregates"] == 1
    first = report["first_broken"]
    assert (first["aggregate_id"], first["version"], first["kind"]) == (
        trajectory_id,
        3,
        "altered",
    )
    assert len(first["expected"]) == len(first["found"]) == 64
    assert first["expected"] != first["found"]


def test_the_verification_streams_its_progress_then_the_report(
    client: TestClient,
) -> None:
    trajectory_id = a_history(client)
    change_a_stored_byte(client, trajectory_id, 4)

    response = client.get(
        "/audit/verify",
        headers={**as_role(client, Role.ADMIN), "Accept": "application/x-ndjson"},
    )

    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    progress, last = lines[:-1], lines[-1]
    assert progress[0]["checked"] == 0
    assert progress[-1]["checked"] == progress[-1]["total"] == last["result"]["events"]
    assert last["result"]["first_broken"]["version"] == 4


def test_a_second_verification_at_once_is_told_to_retry(client: TestClient) -> None:
    service: Any = client.app.state.service  # type: ignore[attr-defined]
    with service.verifier._running:  # a verification is running
        response = client.get("/audit/verify", headers=as_role(client, Role.AUDITOR))

    assert response.status_code == 503
    assert response.json()["detail"]["code"] == "verification_running"
    assert response.headers["Retry-After"] == "10"


def test_a_write_after_a_cut_tail_is_refused_and_names_the_cause(
    client: TestClient,
) -> None:
    trajectory_id = a_history(client)
    delete_a_stored_event(client, trajectory_id, 4)
    before = client.get("/audit/verify", headers=as_role(client, Role.AUDITOR)).json()

    response = client.post(f"/trajectories/{trajectory_id}/events", json=session())

    assert response.status_code == 500
    assert response.json()["detail"]["code"] == "history_out_of_step"
    assert "run `trajectory verify`" in response.json()["detail"]["message"]
    after = client.get("/audit/verify", headers=as_role(client, Role.AUDITOR)).json()
    assert after["events"] == before["events"]


def test_a_kept_seal_is_checked_and_a_malformed_one_refused(client: TestClient) -> None:
    trajectory_id = a_history(client)
    auditor = as_role(client, Role.AUDITOR)
    kept = client.get("/audit/verify", headers=auditor).json()["seal"]
    recorded(client, trajectory_id, session(on="2024-03-11"))

    holds = client.get("/audit/verify", params={"seal": kept}, headers=auditor)
    malformed = client.get("/audit/verify", params={"seal": "12:zz"}, headers=auditor)

    assert holds.json()["kept_seal"] == kept and holds.json()["kept_seal_holds"]
    assert holds.json()["seal"] != kept
    assert malformed.status_code == 422
    assert "POSITION:DIGEST" in malformed.text and "seal" in malformed.text


def test_a_history_with_an_event_deleted_is_named_damaged(client: TestClient) -> None:
    trajectory_id = a_history(client)
    delete_a_stored_event(client, trajectory_id, 3)

    response = client.get(
        f"/trajectories/{trajectory_id}/history", headers=as_role(client, Role.AUDITOR)
    )

    assert response.status_code == 500
    detail = response.json()["detail"]
    assert detail["code"] == "history_damaged"
    assert "version 3 is missing before 4" in detail["message"]
    assert "run `trajectory verify`" in detail["message"]
