"""Who may call what: every role (and no token) against every route, and staff kept
to their own organisation by every route."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi.testclient import TestClient

from application.access import Role
from application.views import Views
from tests.interfaces.helpers import (
    ORGANISATION,
    PROGRAMME,
    ApiClient,
    bearer,
    created,
    intake,
    participant_body,
    programme_body,
    referral_body,
    register_participant,
    register_programme,
    session,
    taken_in,
)

NO_TOKEN = None
CALLERS: list[Role | None] = [NO_TOKEN, *Role]
OTHER = "Randstad Belgium"


@dataclass
class World:
    """A programme run by two organisations; a participant and a trajectory (taken
    in) of ORGANISATION's staff."""

    client: ApiClient
    trajectory_id: str
    participant_id: str

    def call(
        self, caller: Role | None, method: str, url: str, body: Any = None
    ) -> httpx.Response:
        headers = {"Authorization": ""} if caller is None else self.headers(caller)
        response: httpx.Response = self.client.request(
            method, url, json=body, headers=headers
        )
        return response

    def headers(self, role: Role) -> dict[str, str]:
        return self.client.as_role(role)


@pytest.fixture
def world(client: TestClient) -> World:
    assert isinstance(client, ApiClient)
    register_programme(client, organisations=[ORGANISATION, OTHER])
    trajectory_id = taken_in(client)
    return World(client, trajectory_id, register_participant(client))


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # the route's template, as the app declares it
    allowed: frozenset[Role]
    success: int
    request: Callable[[World], tuple[str, Any]]  # the URL and body of a valid call


ANY_ROLE = frozenset(Role)
STAFF = frozenset({Role.STAFF})
READERS = frozenset({Role.STAFF, Role.AUDITOR})
OUTCOMES = frozenset({Role.EVALUATOR, Role.AUDITOR, Role.ADMIN})
OPERATORS = frozenset({Role.ADMIN, Role.AUDITOR})
ADMIN = frozenset({Role.ADMIN})
AUDITORS = frozenset({Role.AUDITOR})


def _new_token(world: World) -> tuple[str, Any]:
    tokens = world.client.app.state.service.tokens  # type: ignore[attr-defined]
    info, _ = tokens.create(role=Role.EVALUATOR, name="to revoke")
    return f"/tokens/{info.id}", None


def _new_participant(world: World) -> tuple[str, Any]:
    return f"/participants/{register_participant(world.client)}", None


def _event(world: World) -> tuple[str, Any]:
    return f"/trajectories/{world.trajectory_id}/events", session()


ROUTES = [
    Route(
        "POST",
        "/programmes",
        ADMIN,
        201,
        lambda w: ("/programmes", programme_body(code=f"P-{uuid4().hex[:8].upper()}")),
    ),
    Route("GET", "/programmes", ANY_ROLE, 200, lambda w: ("/programmes", None)),
    Route(
        "GET",
        "/programmes/{code}",
        ANY_ROLE,
        200,
        lambda w: (f"/programmes/{PROGRAMME}", None),
    ),
    Route(
        "POST",
        "/participants",
        STAFF,
        201,
        lambda w: ("/participants", participant_body()),
    ),
    Route(
        "GET",
        "/participants/{participant_id}",
        READERS,
        200,
        lambda w: (f"/participants/{w.participant_id}", None),
    ),
    Route("DELETE", "/participants/{participant_id}", ADMIN, 200, _new_participant),
    Route(
        "POST",
        "/trajectories",
        STAFF,
        201,
        lambda w: ("/trajectories", referral_body(w.participant_id)),
    ),
    Route("POST", "/trajectories/{trajectory_id}/events", STAFF, 201, _event),
    Route("GET", "/trajectories", READERS, 200, lambda w: ("/trajectories", None)),
    Route(
        "GET",
        "/trajectories/{trajectory_id}",
        READERS,
        200,
        lambda w: (f"/trajectories/{w.trajectory_id}", None),
    ),
    Route(
        "GET",
        "/trajectories/{trajectory_id}/history",
        READERS,
        200,
        lambda w: (f"/trajectories/{w.trajectory_id}/history", None),
    ),
    Route(
        "GET",
        "/trajectories/{trajectory_id}/diff",
        READERS,
        200,
        lambda w: (
            f"/trajectories/{w.trajectory_id}/diff?from_version=1&to_version=2",
            None,
        ),
    ),
    Route("GET", "/caseload", READERS, 200, lambda w: ("/caseload", None)),
    Route("GET", "/outcomes", OUTCOMES, 200, lambda w: ("/outcomes", None)),
    Route(
        "GET",
        "/outcomes/definitions",
        OUTCOMES,
        200,
        lambda w: ("/outcomes/definitions", None),
    ),
    Route("GET", "/projections", OPERATORS, 200, lambda w: ("/projections", None)),
    Route(
        "POST",
        "/projections/{name}/rebuild",
        ADMIN,
        202,
        lambda w: ("/projections/caseload/rebuild", None),
    ),
    Route(
        "POST",
        "/tokens",
        ADMIN,
        201,
        lambda w: ("/tokens", {"role": "evaluator", "name": "ESF+ evaluation"}),
    ),
    Route("GET", "/tokens", ADMIN, 200, lambda w: ("/tokens", None)),
    Route("DELETE", "/tokens/{token_id}", ADMIN, 200, _new_token),
    Route("GET", "/audit/access", AUDITORS, 200, lambda w: ("/audit/access", None)),
    Route("GET", "/audit/verify", OPERATORS, 200, lambda w: ("/audit/verify", None)),
]
OPEN_ROUTES = {("GET", "/health"), ("GET", "/metrics")}


def test_the_matrix_covers_every_route_of_the_api(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    declared = {
        (method.upper(), path) for path, methods in paths.items() for method in methods
    }

    covered = {(r.method, r.path) for r in ROUTES} | OPEN_ROUTES

    assert declared == covered


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_every_role_gets_the_route_or_the_exact_refusal(
    world: World, route: Route
) -> None:
    answers = {}
    for caller in CALLERS:
        url, body = route.request(world)
        answers[caller] = world.call(caller, route.method, url, body).status_code
        if route.path.startswith("/projections/") and answers[caller] == 202:
            views: Views = world.client.app.state.views  # type: ignore[attr-defined]
            assert views.rebuilds["caseload"].finished.wait(30)

    expected = {
        caller: 401
        if caller is None
        else (route.success if caller in route.allowed else 403)
        for caller in CALLERS
    }
    assert answers == expected


@pytest.mark.parametrize("path", sorted(path for _, path in OPEN_ROUTES))
def test_health_and_metrics_need_no_token(world: World, path: str) -> None:
    assert world.call(NO_TOKEN, "GET", path).status_code == 200


def test_a_refusal_names_the_roles_that_may(world: World) -> None:
    response = world.call(Role.EVALUATOR, "GET", "/caseload")

    assert response.status_code == 403
    assert response.json()["detail"] == {
        "code": "forbidden",
        "message": "a evaluator token may not do this; it takes: staff, auditor",
    }


def test_a_malformed_authorization_header_is_401(world: World) -> None:
    for header in ["Basic aGlsZGU6c2VjcmV0", "Bearer", "Bearer trj_unknown", "trj_x"]:
        response = world.client.get("/caseload", headers={"Authorization": header})

        assert response.status_code == 401, header
        assert response.headers["WWW-Authenticate"] == "Bearer"


# Staff of one organisation and another's trajectories ---------------------------------


@pytest.fixture
def other_staff(world: World) -> dict[str, str]:
    tokens = world.client.app.state.service.tokens  # type: ignore[attr-defined]
    _, secret = tokens.create(role=Role.STAFF, name="Bram", organisation=OTHER)
    return bearer(secret)


def test_staff_cannot_read_another_organisations_trajectory_by_any_route(
    world: World, other_staff: dict[str, str]
) -> None:
    views: Views = world.client.app.state.views  # type: ignore[attr-defined]
    views.wait()
    trajectory = f"/trajectories/{world.trajectory_id}"
    reads = [
        trajectory,
        f"{trajectory}?as_of_version=1",
        f"{trajectory}?as_of=2024-03-01",
        f"{trajectory}/history",
        f"{trajectory}/diff?from_version=1&to_version=2",
        f"{trajectory}/diff?from_version=2&to_version=1",
        f"/participants/{world.participant_id}",
    ]

    answers = {url: world.client.get(url, headers=other_staff) for url in reads}

    assert {url: r.status_code for url, r in answers.items()} == dict.fromkeys(
        reads, 404
    )
    listed = world.client.get("/trajectories", headers=other_staff).json()
    caseload = world.client.get("/caseload", headers=other_staff).json()
    assert (listed["total"], caseload["total"], caseload["coaches"]) == (0, 0, [])
    own = world.client.get("/trajectories").json()
    assert own["total"] == 1


def test_staff_cannot_filter_for_another_organisation(
    world: World, other_staff: dict[str, str]
) -> None:
    for url in ["/trajectories", "/caseload"]:
        response = world.client.get(
            url, params={"organisation": ORGANISATION}, headers=other_staff
        )

        assert response.status_code == 403, url
        assert response.json()["detail"]["code"] == "other_organisation"


def test_staff_cannot_write_to_another_organisations_trajectory(
    world: World, other_staff: dict[str, str]
) -> None:
    before = world.client.get(f"/trajectories/{world.trajectory_id}/history").json()
    writes = [
        ("/trajectories/{id}/events", session()),
        ("/trajectories/{id}/events", intake()),
        (
            "/trajectories/{id}/events",
            {
                "type": "EntryRetracted",
                "on": "2024-03-01",
                "version": 2,
                "reason": "typo",
            },
        ),
    ]

    for path, body in writes:
        response = world.client.post(
            path.format(id=world.trajectory_id), json=body, headers=other_staff
        )
        assert response.status_code == 404, body
        assert response.json()["detail"]["code"] == "trajectory_not_found"
    referral = world.client.post(
        "/trajectories",
        json=referral_body(world.participant_id, organisation=OTHER),
        headers=other_staff,
    )

    assert referral.status_code == 404
    assert referral.json()["detail"]["code"] == "participant_not_found"
    after = world.client.get(f"/trajectories/{world.trajectory_id}/history").json()
    assert after == before


def test_a_participant_registered_by_staff_belongs_to_their_organisation(
    world: World, other_staff: dict[str, str]
) -> None:
    theirs = created(
        world.client.post("/participants", json=participant_body(), headers=other_staff)
    )

    assert world.client.get(f"/participants/{theirs['id']}").status_code == 404
    assert (
        world.client.get(
            f"/participants/{theirs['id']}", headers=other_staff
        ).status_code
        == 200
    )
    auditor = world.headers(Role.AUDITOR)
    assert (
        world.client.get(f"/participants/{theirs['id']}", headers=auditor).status_code
        == 200
    )


def test_the_history_names_the_token_holder(world: World) -> None:
    entries = world.client.get(f"/trajectories/{world.trajectory_id}/history").json()

    assert {e["recorded_by"] for e in entries} == {"Hilde"}


def test_a_nul_in_any_text_is_refused_naming_the_field(world: World) -> None:
    token = world.call(
        Role.ADMIN, "POST", "/tokens", {"role": "auditor", "name": "a\u0000b"}
    )
    event = world.call(
        Role.STAFF,
        "POST",
        f"/trajectories/{world.trajectory_id}/events",
        {"type": "CoachAssigned", "on": "2024-03-01", "coach": "Je\u0000f"},
    )

    assert (token.status_code, event.status_code) == (422, 422)
    assert token.json()["detail"]["errors"][0]["field"] == "body.name"
    assert event.json()["detail"]["errors"][0]["field"].endswith("coach")


def test_a_lookup_overlapping_a_revocation_is_not_cached(world: World) -> None:
    tokens = world.client.app.state.service.tokens  # type: ignore[attr-defined]
    info, secret = tokens.create(role=Role.AUDITOR, name="overlap")
    read = tokens.tables.run

    def read_then_revoke(*statements: Any, commit: bool = True) -> Any:
        rows = read(*statements, commit=commit)
        if "revoked_at IS NULL" in statements[0][0]:
            tokens.tables.run = read  # revoke once, as another thread would
            tokens.revoke(info.id)
        return rows

    tokens.tables.run = read_then_revoke

    assert tokens.authenticate(secret) is not None, "it was live when read"
    assert tokens.authenticate(secret) is None
