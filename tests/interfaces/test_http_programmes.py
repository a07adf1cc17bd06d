"""The programme catalogue over HTTP: POST /programmes, GET /programmes[/{code}]."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from application.access import Role
from tests.interfaces.helpers import PROGRAMME
from tests.interfaces.helpers import as_role
from tests.interfaces.helpers import error_fields
from tests.interfaces.helpers import programme_body
from tests.interfaces.helpers import referral_body
from tests.interfaces.helpers import register_participant
from tests.interfaces.helpers import register_programme


@pytest.fixture(autouse=True)
def admin(client: TestClient) -> None:
    """The catalogue is the admin's: every request here is theirs, unless it says."""
    client.headers.update(as_role(client, Role.ADMIN))


def test_a_registered_programme_is_created_at_its_code(client: TestClient) -> None:
    body = programme_body()

    response = client.post("/programmes", json=body)

    assert response.status_code == 201
    assert response.headers["Location"] == f"/programmes/{PROGRAMME}"
    created = response.json()
    assert {key: created[key] for key in body} == body
    assert client.get(response.headers["Location"]).json() == created


def test_programmes_are_listed_in_the_order_they_were_registered(
    client: TestClient,
) -> None:
    register_programme(client, code="SAMENWERKT")
    register_programme(client, code="BUSO-AALST")
    register_programme(client, code="NEET-GENT")

    response = client.get("/programmes")

    assert response.status_code == 200
    codes = [programme["code"] for programme in response.json()]
    assert codes == ["SAMENWERKT", "BUSO-AALST", "NEET-GENT"]


def test_an_empty_catalogue_lists_no_programmes(client: TestClient) -> None:
    response = client.get("/programmes")

    assert response.status_code == 200
    assert response.json() == []


def test_a_code_can_be_registered_only_once(client: TestClient) -> None:
    register_programme(client)

    response = client.post("/programmes", json=programme_body(name="Another name"))

    assert response.status_code == 422
    assert response.json()["detail"]["code"] == "programme_already_registered"
    assert PROGRAMME in response.json()["detail"]["message"]
    assert client.get(f"/programmes/{PROGRAMME}").json()["name"] != "Another name"
    assert len(client.get("/programmes").json()) == 1


def without(body: dict[str, Any], field: str) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key != field}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param(without(programme_body(), "name"), "body.name", id="missing"),
        pytest.param(
            programme_body(starts_on="2023-02-30"), "body.starts_on", id="bad-date"
        ),
        pytest.param(programme_body(code="buso aalst"), "body.code", id="bad-code"),
        pytest.param(programme_body(colour="blue"), "body.colour", id="extra-field"),
        pytest.param(programme_body(min_age=-1), "body.min_age", id="negative-age"),
    ],
)
def test_a_malformed_programme_is_refused_naming_the_field(
    client: TestClient, body: dict[str, Any], field: str
) -> None:
    response = client.post("/programmes", json=body)

    assert response.status_code == 422
    assert response.json()["detail"]["code"] == "invalid_request"
    assert error_fields(response) == [field]
    assert client.get("/programmes").json() == []


def test_a_programme_that_ends_before_it_starts_is_refused(client: TestClient) -> None:
    body = programme_body(starts_on="2024-09-01", ends_on="2024-06-30")

    response = client.post("/programmes", json=body)

    assert response.status_code == 422
    assert response.json()["detail"]["code"] == "invalid_value"
    message = response.json()["detail"]["message"]
    assert "2024-06-30" in message and "2024-09-01" in message


def test_an_unknown_code_is_not_found(client: TestClient) -> None:
    register_programme(client)

    response = client.get("/programmes/NO-SUCH-PROGRAMME")

    assert response.status_code == 404
    assert response.json()["detail"]["code"] == "programme_not_found"
    assert "NO-SUCH-PROGRAMME" in response.json()["detail"]["message"]


def test_registering_needs_a_token(client: TestClient) -> None:
    del client.headers["Authorization"]

    response = client.post("/programmes", json=programme_body())

    assert response.status_code == 401
    assert response.json()["detail"]["code"] == "unauthenticated"


def test_only_an_admin_registers_programmes(client: TestClient) -> None:
    response = client.post(
        "/programmes", json=programme_body(), headers=as_role(client, Role.STAFF)
    )

    assert response.status_code == 403
    assert response.json()["detail"]["code"] == "forbidden"
    assert "admin" in response.json()["detail"]["message"]
    assert client.get("/programmes").json() == []


ODD_PROGRAMMES: list[Any] = [
    {},
    [],
    [programme_body()],
    None,
    "BUSO-AALST",
    programme_body(min_age=10**40, max_age=10**40),
    programme_body(budget=1e308),
    programme_body(budget="NaN"),
    programme_body(session_cap=10**40),
    programme_body(min_age="sixteen", max_age="25"),
    programme_body(name=None, organisations=None, starts_on=None),
    programme_body(organisations=[]),
    programme_body(organisations=["  "]),
    programme_body(min_age=25, max_age=16),
    programme_body(starts_on="0001-01-01", ends_on="9999-12-31"),
]


def test_odd_bodies_never_get_a_server_error(client: TestClient) -> None:
    answers = [(body, client.post("/programmes", json=body)) for body in ODD_PROGRAMMES]

    assert [(body, r.status_code) for body, r in answers if r.status_code >= 500] == []


# A programme's period -----------------------------------------------------------------


def test_an_ongoing_programme_is_registered_without_an_end(client: TestClient) -> None:
    body = programme_body(ends_on=None)

    created = client.post("/programmes", json=body).json()

    assert created["ends_on"] is None
    assert created["periods"] == [
        {"since": None, "ends_on": None, "budget": created["budget"]}
    ]


def test_a_programme_s_period_is_extended_from_the_day_it_was_decided(
    client: TestClient,
) -> None:
    register_programme(client)
    change = {
        "on": "2025-06-12",
        "ends_on": "2026-06-30",
        "reason": "the ESF+ project was extended",
        "budget": "160000.00",
    }

    response = client.post(f"/programmes/{PROGRAMME}/period", json=change)

    assert response.status_code == 200, response.text
    programme = response.json()
    assert programme["ends_on"] == "2026-06-30"
    assert programme["budget"] == "160000.00"
    assert programme["periods"] == [
        {"since": None, "ends_on": "2025-09-30", "budget": "120000.00"},
        {"since": "2025-06-12", "ends_on": "2026-06-30", "budget": "160000.00"},
    ]
    assert client.get(f"/programmes/{PROGRAMME}").json() == programme


@pytest.mark.parametrize("written", ["1e5", "1E+5", "100000", "1.00000e5"])
def test_a_budget_in_exponent_notation_is_kept_in_digits(
    client: TestClient, written: str
) -> None:
    response = client.post("/programmes", json=programme_body(budget=written))

    assert response.status_code == 201, response.text
    assert response.json()["budget"] == "100000"
    assert client.get(response.headers["Location"]).json()["budget"] == "100000"


def test_a_referral_is_checked_against_the_period_as_it_stood_on_its_date(
    client: TestClient,
) -> None:
    register_programme(client)
    closed = {"on": "2025-06-12", "ends_on": "2025-05-31", "reason": "no more funds"}
    client.post(f"/programmes/{PROGRAMME}/period", json=closed)
    client.headers.update(as_role(client, Role.STAFF))

    late_entry = client.post(
        "/trajectories",
        json=referral_body(register_participant(client), on="2025-06-05"),
    )
    after_the_close = client.post(
        "/trajectories",
        json=referral_body(register_participant(client), on="2025-06-20"),
    )

    assert late_entry.status_code == 201, late_entry.text
    assert after_the_close.status_code == 422
    assert after_the_close.json()["detail"]["code"] == "programme_not_running"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"on": "2025-06-12", "ends_on": "2025-09-30", "reason": "x"}, "invalid_value"),
        ({"on": "2025-06-12", "ends_on": "2020-01-01", "reason": "x"}, "invalid_value"),
        ({"on": "2099-01-01", "ends_on": None, "reason": "x"}, "date_in_future"),
        ({"on": "2025-06-12", "ends_on": None, "reason": " "}, "reason_required"),
        ({"on": "2025-06-12", "reason": "x", "extra": 1}, "invalid_request"),
        ({"on": "2025-06-12", "ends_on": None}, "invalid_request"),
        ({"on": "12/06/2025", "ends_on": None, "reason": "x"}, "invalid_request"),
        ({"on": "2025-06-12", "reason": "x", "budget": "-1"}, "invalid_request"),
    ],
)
def test_a_period_change_that_makes_no_sense_is_refused_by_name(
    client: TestClient, change: dict[str, Any], code: str
) -> None:
    register_programme(client)

    response = client.post(f"/programmes/{PROGRAMME}/period", json=change)

    assert response.status_code == 422
    assert response.json()["detail"]["code"] == code
    assert client.get(f"/programmes/{PROGRAMME}").json()["periods"] == [
        {"since": None, "ends_on": "2025-09-30", "budget": "120000.00"}
    ]


def test_only_an_admin_changes_a_period(client: TestClient) -> None:
    register_programme(client)
    change = {"on": "2025-06-12", "ends_on": None, "reason": "made ongoing"}

    refused = {
        role: client.post(
            f"/programmes/{PROGRAMME}/period",
            json=change,
            headers=as_role(client, role),
        ).status_code
        for role in (Role.STAFF, Role.AUDITOR, Role.EVALUATOR)
    }

    assert refused == {Role.STAFF: 403, Role.AUDITOR: 403, Role.EVALUATOR: 403}


def test_the_period_of_an_unknown_programme_is_not_found(client: TestClient) -> None:
    change = {"on": "2025-06-12", "ends_on": None, "reason": "made ongoing"}

    response = client.post("/programmes/NOPE/period", json=change)

    assert response.status_code == 404
    assert response.json()["detail"]["code"] == "programme_not_found"
