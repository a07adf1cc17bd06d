"""The programme catalogue over HTTP: POST /programmes, GET /programmes[/{code}]."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from application.access import Role
from tests.interfaces.helpers import (
    PROGRAMME,
    as_role,
    error_fields,
    programme_body,
    register_programme,
)


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
