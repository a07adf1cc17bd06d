"""What changed between two versions, over HTTP: GET /trajectories/{id}/diff."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from application.access import Role
from application.audit.replay import STATE_ATTRIBUTES
from interfaces.http.schemas.trajectories import TrajectoryOut
from tests.interfaces.helpers import INTAKE_ON
from tests.interfaces.helpers import UNKNOWN_ID
from tests.interfaces.helpers import as_role
from tests.interfaces.helpers import bearer
from tests.interfaces.helpers import error_fields
from tests.interfaces.helpers import history
from tests.interfaces.helpers import placement
from tests.interfaces.helpers import recorded
from tests.interfaces.helpers import register_programme
from tests.interfaces.helpers import session
from tests.interfaces.helpers import taken_in

OTHER = "Randstad Belgium"


@pytest.fixture
def catalogued(client: TestClient) -> TestClient:
    register_programme(client, organisations=["Werkburo Oost-Vlaanderen", OTHER])
    return client


def diff(client: TestClient, trajectory_id: str, query: str) -> dict[str, Any]:
    response = client.get(f"/trajectories/{trajectory_id}/diff?{query}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def state(client: TestClient, trajectory_id: str, version: int) -> dict[str, Any]:
    response = client.get(f"/trajectories/{trajectory_id}?as_of_version={version}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def retraction(version: int) -> dict[str, Any]:
    return {
        "type": "EntryRetracted",
        "on": "2024-04-03",
        "version": version,
        "reason": "recorded on the wrong trajectory",
    }


def test_the_diff_names_the_changed_fields_as_the_state_shows_them(
    catalogued: TestClient,
) -> None:
    trajectory_id = taken_in(catalogued)
    recorded(catalogued, trajectory_id, session(), placement())

    body = diff(catalogued, trajectory_id, "from_version=2&to_version=4")

    before, after = (
        state(catalogued, trajectory_id, 2),
        state(catalogued, trajectory_id, 4),
    )
    changed = [c["field"] for c in body["changes"]]
    assert changed == [
        "sessions_held",
        "session_minutes",
        "last_contact_on",
        "placements",
    ]
    assert body["changes"] == [
        {"field": name, "before": before[name], "after": after[name]}
        for name in changed
    ]
    unchanged = set(before) - set(changed) - {"version"}
    assert {n: before[n] for n in unchanged} == {n: after[n] for n in unchanged}
    assert body["changes"][2] == {
        "field": "last_contact_on",
        "before": INTAKE_ON,
        "after": "2024-02-20",
    }
    assert body["events"] == history(catalogued, trajectory_id)[2:4]
    assert (body["from_version"], body["to_version"]) == (2, 4)


def test_a_retraction_shows_in_the_diff(catalogued: TestClient) -> None:
    trajectory_id = taken_in(catalogued)
    recorded(catalogued, trajectory_id, session(), retraction(3))

    body = diff(catalogued, trajectory_id, "from_version=3&to_version=4")

    assert body["changes"] == [
        {"field": "sessions_held", "before": 1, "after": 0},
        {"field": "session_minutes", "before": 60, "after": 0},
        {"field": "last_contact_on", "before": "2024-02-20", "after": INTAKE_ON},
        {"field": "retracted_versions", "before": [], "after": [3]},
    ]
    assert [(e["version"], e["type"]) for e in body["events"]] == [
        (4, "EntryRetracted")
    ]
    across = diff(catalogued, trajectory_id, "from_version=2&to_version=4")
    assert [(e["version"], e["retracted_by"]) for e in across["events"]] == [
        (3, 4),
        (4, None),
    ]


def test_a_diff_from_a_version_to_itself_is_empty(catalogued: TestClient) -> None:
    trajectory_id = taken_in(catalogued)

    body = diff(catalogued, trajectory_id, "from_version=2&to_version=2")

    assert body == {"from_version": 2, "to_version": 2, "changes": [], "events": []}


def test_a_diff_backwards_is_refused_naming_both_versions(
    catalogued: TestClient,
) -> None:
    trajectory_id = taken_in(catalogued)

    response = catalogued.get(
        f"/trajectories/{trajectory_id}/diff?from_version=2&to_version=1"
    )

    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail["code"] == "versions_out_of_order"
    assert "from_version 2 is after to_version 1" in detail["message"]


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("to_version=2", ["query.from_version"]),
        ("from_version=1", ["query.to_version"]),
        ("from_version=0&to_version=2", ["query.from_version"]),
        ("from_version=1&to_version=two", ["query.to_version"]),
    ],
)
def test_a_missing_or_malformed_version_is_refused_naming_it(
    catalogued: TestClient, query: str, fields: list[str]
) -> None:
    trajectory_id = taken_in(catalogued)

    response = catalogued.get(f"/trajectories/{trajectory_id}/diff?{query}")

    assert response.status_code == 422
    assert error_fields(response) == fields


def test_a_version_after_the_last_is_not_found(catalogued: TestClient) -> None:
    trajectory_id = taken_in(catalogued)

    response = catalogued.get(
        f"/trajectories/{trajectory_id}/diff?from_version=1&to_version=3"
    )

    assert response.status_code == 404
    assert response.json()["detail"]["code"] == "version_not_found"
    assert "no version 3; the last is 2" in response.json()["detail"]["message"]


def test_an_unknown_trajectory_has_no_diff(catalogued: TestClient) -> None:
    response = catalogued.get(
        f"/trajectories/{UNKNOWN_ID}/diff?from_version=1&to_version=2"
    )

    assert response.status_code == 404
    assert response.json()["detail"]["code"] == "trajectory_not_found"


@pytest.mark.parametrize(
    "query", ["from_version=1&to_version=2", "from_version=2&to_version=1"]
)
def test_staff_of_another_organisation_get_no_diff_even_a_refusal(
    catalogued: TestClient, query: str
) -> None:
    trajectory_id = taken_in(catalogued)
    tokens = catalogued.app.state.service.tokens  # type: ignore[attr-defined]
    _, secret = tokens.create(role=Role.STAFF, name="Bram", organisation=OTHER)

    response = catalogued.get(
        f"/trajectories/{trajectory_id}/diff?{query}", headers=bearer(secret)
    )

    assert response.status_code == 404
    assert response.json()["detail"]["code"] == "trajectory_not_found"


def test_an_auditor_reads_the_diff(catalogued: TestClient) -> None:
    trajectory_id = taken_in(catalogued)

    response = catalogued.get(
        f"/trajectories/{trajectory_id}/diff?from_version=1&to_version=2",
        headers=as_role(catalogued, Role.AUDITOR),
    )

    assert response.status_code == 200
    assert "stage" in [c["field"] for c in response.json()["changes"]]


def test_the_diff_compares_every_field_the_state_shows() -> None:
    shown = set(TrajectoryOut.model_fields) - {"id", "version"}

    assert {*STATE_ATTRIBUTES, "retracted_versions"} == shown
