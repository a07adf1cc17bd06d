"""Personal data over HTTP: POST /participants, GET /participants/{id}."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from application.access import Role
from tests.interfaces.helpers import UNKNOWN_ID
from tests.interfaces.helpers import as_role
from tests.interfaces.helpers import bearer
from tests.interfaces.helpers import error_fields
from tests.interfaces.helpers import participant_body
from tests.interfaces.helpers import picked
from tests.interfaces.helpers import register_participant

EVERY_FIELD = participant_body(
    national_register_number="05031412397",
    email="lotte.claes@example.org",
    phone="+32 470 12 34 56",
)


def test_a_registered_participant_is_created_at_its_id_with_version_1(
    client: TestClient,
) -> None:
    response = client.post("/participants", json=participant_body())

    assert response.status_code == 201
    participant_id = response.json()["id"]
    assert response.headers["Location"] == f"/participants/{participant_id}"
    assert response.headers["ETag"] == '"1"'
    assert response.json()["version"] == 1


def test_every_field_reads_back_as_it_was_registered(client: TestClient) -> None:
    participant_id = register_participant(client, **EVERY_FIELD)

    response = client.get(f"/participants/{participant_id}")

    assert response.status_code == 200
    assert response.json() == {**EVERY_FIELD, "id": participant_id, "version": 1}


def test_optional_fields_read_back_as_null(client: TestClient) -> None:
    participant_id = register_participant(client)

    response = client.get(f"/participants/{participant_id}")

    optional = {"national_register_number": None, "email": None, "phone": None}
    assert picked(response.json(), optional) == optional


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        pytest.param(
            "national_register_number",
            "05031412398",
            "national register number's check digits",
            id="register-number-check-digits",
        ),
        pytest.param(
            "national_register_number",
            "0503141239",
            "national register number has 11 digits",
            id="register-number-length",
        ),
        pytest.param(
            "email", "lotte.claes.example.org", "email address is not one", id="email"
        ),
    ],
)
def test_an_invalid_identifier_is_refused_naming_the_problem(
    client: TestClient, field: str, value: str, problem: str
) -> None:
    response = client.post("/participants", json=participant_body(**{field: value}))

    assert response.status_code == 422
    assert response.json()["detail"]["code"] == "invalid_value"
    assert problem in response.json()["detail"]["message"]
    assert value not in response.text  # personal data is never echoed in an error


def test_an_unknown_participant_is_not_found(client: TestClient) -> None:
    register_participant(client)

    response = client.get(f"/participants/{UNKNOWN_ID}")

    assert response.status_code == 404
    assert response.json()["detail"]["code"] == "participant_not_found"
    assert UNKNOWN_ID in response.json()["detail"]["message"]


def test_the_id_of_a_programme_is_no_participant_id(client: TestClient) -> None:
    programme_id = client.post(
        "/programmes",
        headers=as_role(client, Role.ADMIN),
        json={
            "code": "SAMENWERKT",
            "name": "SamenWerkt",
            "funder": "ESF+",
            "organisations": ["Groep Intro"],
            "starts_on": "2024-01-01",
            "ends_on": "2024-12-31",
            "min_age": 18,
            "max_age": 30,
        },
    ).json()["id"]

    response = client.get(f"/participants/{programme_id}")

    assert response.status_code == 404
    assert response.json()["detail"]["code"] == "participant_not_found"


def test_a_malformed_id_is_refused_naming_the_path_parameter(
    client: TestClient,
) -> None:
    response = client.get("/participants/not-a-uuid")

    assert response.status_code == 422
    assert response.json()["detail"]["code"] == "invalid_request"
    assert error_fields(response) == ["path.participant_id"]


def test_registering_needs_a_token(client: TestClient) -> None:
    del client.headers["Authorization"]

    response = client.post("/participants", json=participant_body())

    assert response.status_code == 401
    assert response.json()["detail"]["code"] == "unauthenticated"


def test_a_revoked_token_is_refused(client: TestClient) -> None:
    tokens = client.app.state.service.tokens  # type: ignore[attr-defined]
    info, secret = tokens.create(role=Role.STAFF, name="Jef", organisation="X")
    tokens.revoke(info.id)

    response = client.post(
        "/participants", json=participant_body(), headers=bearer(secret)
    )

    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param(
            {k: v for k, v in participant_body().items() if k != "birth_date"},
            "body.birth_date",
            id="missing",
        ),
        pytest.param(participant_body(gender="female"), "body.gender", id="gender"),
        pytest.param(
            participant_body(birth_date="14/03/2005"), "body.birth_date", id="date"
        ),
        pytest.param(participant_body(nickname="Lo"), "body.nickname", id="extra"),
    ],
)
def test_a_malformed_participant_is_refused_naming_the_field(
    client: TestClient, body: dict[str, Any], field: str
) -> None:
    response = client.post("/participants", json=body)

    assert response.status_code == 422
    assert response.json()["detail"]["code"] == "invalid_request"
    assert error_fields(response) == [field]


ODD_PARTICIPANTS: list[Any] = [
    {},
    [],
    [participant_body()],
    None,
    "Lotte",
    participant_body(birth_date=10**40),
    participant_body(birth_date=1e308),
    participant_body(birth_date="0001-01-01"),
    participant_body(birth_date="9999-12-31"),
    participant_body(given_name=None, family_name=None, gender=None),
    participant_body(given_name=" ", family_name="\t"),
    participant_body(national_register_number=""),
    participant_body(national_register_number=5031412397),
    participant_body(email=""),
    participant_body(phone="call me"),
    participant_body(given_name="x" * 100_000),
]


def test_odd_bodies_never_get_a_server_error(client: TestClient) -> None:
    answers = [(b, client.post("/participants", json=b)) for b in ODD_PARTICIPANTS]

    assert [(body, r.status_code) for body, r in answers if r.status_code >= 500] == []
