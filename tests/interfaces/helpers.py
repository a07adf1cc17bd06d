"""Request bodies with valid defaults, and the Given steps of the HTTP tests.

A Given step asserts that its request succeeded, so a broken setup fails loudly where
it happens instead of somewhere later.
"""

import asyncio
from typing import Any

import httpx
from fastapi.testclient import TestClient

from application.access import Role
from domain.coach import Coach

PROGRAMME = "BUSO-AALST"
ORGANISATION = "Werkburo Oost-Vlaanderen"
REFERRAL_ON = "2024-02-01"
INTAKE_ON = "2024-02-12"
IN_THE_FUTURE = "2099-06-01"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


def programme_body(**overrides: Any) -> dict[str, Any]:
    return {
        "code": PROGRAMME,
        "name": "Van BUSO naar begeleid werken",
        "funder": "Vlaamse overheid",
        "organisations": [ORGANISATION],
        "starts_on": "2023-04-01",
        "ends_on": "2025-09-30",
        "budget": "120000.00",
        "min_age": 16,
        "max_age": 25,
        "session_cap": 36,
        **overrides,
    }


def participant_body(**overrides: Any) -> dict[str, Any]:
    return {
        "given_name": "Lotte",
        "family_name": "Claes",
        "birth_date": "2005-03-14",
        "gender": "F",
        **overrides,
    }


def referral_body(participant_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "participant_id": participant_id,
        "programme": PROGRAMME,
        "organisation": ORGANISATION,
        "referral_source": "school",
        "on": REFERRAL_ON,
        **overrides,
    }


# The coaches the client fixture registers in ORGANISATION (``signed_in``).
COACHES = ("Hilde", "Jens", "Bram", "An")


def coach_id(name: str, organisation: str = ORGANISATION) -> str:
    """The id of the organisation's coach of that name."""
    return str(Coach.id_for(organisation, name))


def intake(coach: str = "Hilde", **overrides: Any) -> dict[str, Any]:
    """An intake by the coach named ``coach`` (one of COACHES)."""
    return {
        "type": "IntakeCompleted",
        "on": INTAKE_ON,
        "coach_id": coach_id(coach),
        "rung": 2,
        "labour_status": "unemployed",
        "education_level": "isced_0_2",
        "barriers": ["mobility"],
        "disability": True,
        "postcode": "9300",
        **overrides,
    }


def session(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "SessionHeld",
        "on": "2024-02-20",
        "minutes": 60,
        "mode": "individual",
        "setting": "workplace",
        "note": "visited the bakery together",
        **overrides,
    }


def placement(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "PlacementStarted",
        "on": "2024-04-02",
        "placement_type": "regular_job_with_support",
        "employer": "Bakkerij De Smet",
        "paid": True,
        "hours_per_week": 19,
        **overrides,
    }


def dropout(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "DroppedOut",
        "on": "2024-06-30",
        "reason": "lost_contact",
        **overrides,
    }


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


class ApiClient(TestClient):
    """A test client holding a token for each role (see conftest's ``signed_in``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tokens: dict[Role, str] = {}

    def as_role(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def as_role(client: TestClient, role: Role) -> dict[str, str]:
    assert isinstance(client, ApiClient), "the client fixture signs in"
    return client.as_role(role)


def register_programme(client: TestClient, **overrides: Any) -> dict[str, Any]:
    return created(
        client.post(
            "/programmes",
            json=programme_body(**overrides),
            headers=as_role(client, Role.ADMIN),
        )
    )


def register_participant(client: TestClient, **overrides: Any) -> str:
    """A new participant: another person than any registered with the same name
    and birth date (``confirmed_new_person``), unless ``overrides`` say otherwise."""
    body = participant_body(**{"confirmed_new_person": True, **overrides})
    return str(created(client.post("/participants", json=body))["id"])


def refer(client: TestClient, **overrides: Any) -> str:
    """A new participant referred to the programme, which must be registered."""
    participant_id = register_participant(client)
    body = created(
        client.post("/trajectories", json=referral_body(participant_id, **overrides))
    )
    return str(body["id"])


def record(
    client: TestClient,
    trajectory_id: str,
    event: Any,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """Posts one event body (valid or not) to the trajectory."""
    response: httpx.Response = client.post(
        f"/trajectories/{trajectory_id}/events", json=event, headers=headers
    )
    return response


def recorded(client: TestClient, trajectory_id: str, *events: dict[str, Any]) -> int:
    """Records each event in turn and returns the last version."""
    version = 0
    for event in events:
        version = int(created(record(client, trajectory_id, event))["version"])
    return version


def taken_in(client: TestClient) -> str:
    trajectory_id = refer(client)
    recorded(client, trajectory_id, intake())
    return trajectory_id


def history(client: TestClient, trajectory_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/trajectories/{trajectory_id}/history")
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()
    return entries


def picked(mapping: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    """The entries of ``mapping`` under the keys of ``expected``, to compare with it."""
    return {key: mapping.get(key) for key in expected}


def error_fields(response: httpx.Response) -> list[str]:
    return [error["field"] for error in response.json()["detail"]["errors"]]


def post_with_raw_headers(
    client: TestClient,
    url: str,
    body: dict[str, Any],
    headers: list[tuple[bytes, bytes]],
) -> httpx.Response:
    """Posts with header bytes exactly as given, which the TestClient re-encodes as
    UTF-8; a real HTTP client may send any byte from 0x80 to 0xFF in a header."""

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=client.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver"
        ) as raw:
            return await raw.post(url, json=body, headers=headers)

    return asyncio.run(post())


def caught_up(client: TestClient) -> None:
    """Waits until the app's views have processed every write committed so far (on
    their tracking positions)."""
    client.app.state.views.wait()  # type: ignore[attr-defined]
