"""No input gives a 500: a body nested too deep, a time beyond the year 9999 in UTC,
numbers and true/false given as something else are refused with 422 naming the
problem, and nothing is stored; a history damaged behind the service's back is
named as such."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from application.access import Role
from interfaces.http.schemas.base import nesting
from tests.interfaces.helpers import as_role
from tests.interfaces.helpers import history
from tests.interfaces.helpers import intake
from tests.interfaces.helpers import placement
from tests.interfaces.helpers import record
from tests.interfaces.helpers import refer
from tests.interfaces.helpers import register_programme
from tests.interfaces.helpers import session
from tests.interfaces.helpers import taken_in


@pytest.fixture
def taken(client: TestClient) -> tuple[TestClient, str]:
    register_programme(client)
    return client, taken_in(client)


def nested(depth: int) -> str:
    return "[" * depth + '"9320"' + "]" * depth


def correction(value: str) -> bytes:
    return (
        '{"type": "EntryProfileCorrected", "on": "2024-02-26", "field": "postcode", '
        f'"value": {value}, "reason": "moved"}}'
    ).encode()


@pytest.mark.parametrize("depth", [9, 500, 5_000, 100_000])
def test_a_value_nested_deep_is_refused_naming_the_nesting(
    taken: tuple[TestClient, str], depth: int
) -> None:
    client, trajectory_id = taken

    response = client.post(
        f"/trajectories/{trajectory_id}/events",
        content=correction(nested(depth)),
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail["code"] == "invalid_request"
    assert "nested" in detail["message"]
    assert len(response.content) < 2_000, "the refusal does not echo the value"
    assert [e["version"] for e in history(client, trajectory_id)] == [1, 2]


def depth(value: Any) -> int:
    """How deep lists and objects are nested in ``value``, by recursion."""
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return 1 + max((depth(child) for child in value), default=0)
    return 0


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=3), inner, max_size=4)
    ),
    max_leaves=40,
)


@given(value=JSON, limit=st.integers(min_value=0, max_value=6))
def test_nesting_is_the_depth_counted_up_to_one_past_the_limit(
    value: Any, limit: int
) -> None:
    counted, deepest = nesting(value, limit), depth(value)

    if deepest <= limit:
        assert counted == deepest
    else:
        assert limit < counted <= deepest


def test_a_value_nested_as_deep_as_a_body_may_be_gets_the_domain_s_answer(
    taken: tuple[TestClient, str],
) -> None:
    client, trajectory_id = taken

    response = client.post(
        f"/trajectories/{trajectory_id}/events",
        content=correction(nested(6)),  # 8 levels with the body and the value
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 422
    assert response.json()["detail"]["code"] == "invalid_postcode"


@pytest.mark.parametrize(
    ("event", "field"),
    [
        (intake(rung=True), "rung"),
        (intake(rung="3"), "rung"),
        (intake(rung=3.0), "rung"),
        (intake(disability=1), "disability"),
        (intake(disability="yes"), "disability"),
        (session(minutes=True), "minutes"),
        (session(minutes="60"), "minutes"),
        (placement(paid="true"), "paid"),
        (placement(hours_per_week=True), "hours_per_week"),
        ({"type": "LadderAssessed", "on": "2024-05-13", "rung": True}, "rung"),
        (
            {
                "type": "FollowUpRecorded",
                "milestone": True,
                "observed_on": "2025-04-01",
                "status": "employed",
            },
            "milestone",
        ),
    ],
)
def test_numbers_and_true_or_false_are_taken_only_as_themselves(
    client: TestClient, event: dict[str, Any], field: str
) -> None:
    register_programme(client)
    trajectory_id = refer(client)
    if event["type"] != "IntakeCompleted":
        record(client, trajectory_id, intake())

    response = record(client, trajectory_id, event)

    assert response.status_code == 422, response.text
    fields = [e["field"] for e in response.json()["detail"]["errors"]]
    assert fields == [f"body.{event['type']}.{field}"]
    assert len(history(client, trajectory_id)) == (
        1 if event["type"] == "IntakeCompleted" else 2
    )


def test_a_programme_s_ages_are_whole_numbers_not_true(client: TestClient) -> None:
    response = client.post(
        "/programmes",
        json={
            "code": "STRICT",
            "name": "Strict",
            "funder": "ESF+",
            "organisations": ["Werkburo Oost-Vlaanderen"],
            "starts_on": "2024-01-01",
            "min_age": True,
            "max_age": 25,
        },
        headers=as_role(client, Role.ADMIN),
    )

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["detail"]["errors"]] == ["body.min_age"]


@pytest.mark.parametrize(
    "since", ["9999-12-31T20:00:00-05:00", "0001-01-01T01:00:00+05:00"]
)
def test_a_time_beyond_the_calendar_in_utc_is_refused(
    client: TestClient, since: str
) -> None:
    response = client.get(
        "/audit/access", params={"since": since}, headers=as_role(client, Role.AUDITOR)
    )

    assert response.status_code == 422, response.text
    assert "beyond" in response.json()["detail"]["message"]
