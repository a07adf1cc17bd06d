"""Who may call what: every role (and no token) against every route, and staff kept
to their own organisation by every route."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi.testclient import TestClient

from application.access import Role
from application.views import Views
from tests.interfaces.helpers import ORGANISATION
from tests.interfaces.helpers import PROGRAMME
from tests.interfaces.helpers import ApiClient
from tests.interfaces.helpers import bearer
from tests.interfaces.helpers import created
from tests.interfaces.helpers import intake
from tests.interfaces.helpers import participant_body
from tests.interfaces.helpers import programme_body
from tests.interfaces.helpers import referral_body
from tests.interfaces.helpers import register_participant
from tests.interfaces.helpers import register_programme
from tests.interfaces.helpers import session
from tests.interfaces.helpers import taken_in

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
    of: str = ""  # which, where the route's rights depend on its parameters


ANY_ROLE = frozenset(Role)
STAFF = frozenset({Role.STAFF})
READERS = frozenset({Role.STAFF, Role.AUDITOR})
OUTCOMES = frozenset(Role)  # staff: their own organisation's trajectories'
OPERATORS = frozenset({Role.ADMIN, Role.AUDITOR})
VIEW_WATCHERS = frozenset({Role.ADMIN, Role.AUDITOR, Role.EVALUATOR})
OUTCOME_REBUILDERS = frozenset({Role.ADMIN, Role.EVALUATOR})
ADMIN = frozenset({Role.ADMIN})
AUDITORS = frozenset({Role.AUDITOR})
FINDERS = frozenset({Role.STAFF, Role.AUDITOR, Role.ADMIN})
COACH_READERS = frozenset({Role.STAFF, Role.AUDITOR, Role.ADMIN})


def _new_token(world: World) -> tuple[str, Any]:
    tokens = world.client.app.state.service.tokens  # type: ignore[attr-defined]
    info, _ = tokens.create(role=Role.EVALUATOR, name="to revoke")
    return f"/tokens/{info.id}", None


def _new_participant(world: World) -> tuple[str, Any]:
    return f"/participants/{register_participant(world.client)}", None


def _period_change() -> dict[str, Any]:
    """An end date the programme does not have yet."""
    ends_on = date(2030, 1, 1) + timedelta(days=uuid4().int % 3650)
    return {"on": "2025-06-12", "ends_on": ends_on.isoformat(), "reason": "extended"}


def _new_coach(world: World) -> str:
    service = world.client.app.state.service  # type: ignore[attr-defined]
    name = f"Coach {uuid4().hex[:8]}"
    return str(service.coaches.ensure(name, ORGANISATION, recorded_by="admin").id)


def _group(world: World) -> dict[str, Any]:
    """A job workshop with the world's trajectory and another one taken in."""
    return {
        "trajectory_ids": [world.trajectory_id, taken_in(world.client)],
        "on": "2024-03-05",
        "minutes": 120,
        "mode": "job_workshop",
        "setting": "office",
    }


def _held_group(world: World) -> tuple[str, Any]:
    response = world.client.post("/group-sessions", json=_group(world))
    return f"/group-sessions/{created(response)['id']}", None


def _event(world: World) -> tuple[str, Any]:
    return f"/trajectories/{world.trajectory_id}/events", session()


# A file of one row sent as JSON (a line of JSON Lines): its referral's checks come
# later, in the background.
IMPORTED_ROW = {"trajectory": "T1", "event": "ReferralReceived"}


def _started_import(world: World) -> tuple[str, Any]:
    started = world.client.post(
        "/imports", json=IMPORTED_ROW, headers=world.headers(Role.ADMIN)
    )
    assert started.status_code == 202, started.text
    return started.headers["Location"], None


ROUTES = [
    Route(
        "POST",
        "/programmes",
        ADMIN,
        201,
        lambda w: ("/programmes", programme_body(code=f"P-{uuid4().hex[:8].upper()}")),
    ),
    Route(
        "POST",
        "/programmes/{code}/period",
        ADMIN,
        200,
        lambda w: (f"/programmes/{PROGRAMME}/period", _period_change()),
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
        "/coaches",
        ADMIN,
        201,
        lambda w: (
            "/coaches",
            {"name": f"Coach {uuid4().hex[:8]}", "organisation": ORGANISATION},
        ),
    ),
    Route(
        "POST",
        "/coaches/{coach_id}/leave",
        ADMIN,
        200,
        lambda w: (f"/coaches/{_new_coach(w)}/leave", {"on": "2024-06-30"}),
    ),
    Route("GET", "/coaches", COACH_READERS, 200, lambda w: ("/coaches", None)),
    Route(
        "GET",
        "/coaches/{coach_id}",
        COACH_READERS,
        200,
        lambda w: (f"/coaches/{_new_coach(w)}", None),
    ),
    Route(
        "POST",
        "/group-sessions",
        STAFF,
        201,
        lambda w: ("/group-sessions", _group(w)),
    ),
    Route("GET", "/group-sessions/{group_session_id}", READERS, 200, _held_group),
    Route(
        "POST",
        "/participants",
        STAFF,
        201,
        lambda w: ("/participants", participant_body(confirmed_new_person=True)),
    ),
    Route(
        "GET",
        "/participants",
        FINDERS,
        200,
        lambda w: ("/participants?name=claes", None),
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
    Route("GET", "/todo", READERS, 200, lambda w: ("/todo", None)),
    Route("GET", "/outcomes", OUTCOMES, 200, lambda w: ("/outcomes", None)),
    Route("GET", "/outcomes.csv", OUTCOMES, 200, lambda w: ("/outcomes.csv", None)),
    Route(
        "GET",
        "/outcomes/definitions",
        OUTCOMES,
        200,
        lambda w: ("/outcomes/definitions", None),
    ),
    Route(
        "GET",
        "/outcomes/spreadsheet.xlsx",
        OUTCOMES,
        200,
        lambda w: ("/outcomes/spreadsheet.xlsx", None),
    ),
    Route(
        "GET",
        "/outcomes/spreadsheet.csv",
        OUTCOMES,
        200,
        lambda w: ("/outcomes/spreadsheet.csv?lang=en", None),
    ),
    Route(
        "GET",
        "/reports/esf",
        OUTCOMES,
        200,
        lambda w: (f"/reports/esf?programme={PROGRAMME}&period=2024", None),
    ),
    Route(
        "GET",
        "/reports/esf.xlsx",
        OUTCOMES,
        200,
        lambda w: (f"/reports/esf.xlsx?programme={PROGRAMME}&period=2024", None),
    ),
    Route(
        "GET",
        "/reports/esf.csv",
        OUTCOMES,
        200,
        lambda w: (f"/reports/esf.csv?programme={PROGRAMME}&period=2024", None),
    ),
    Route("GET", "/projections", VIEW_WATCHERS, 200, lambda w: ("/projections", None)),
    Route(
        "POST",
        "/projections/{name}/rebuild",
        ADMIN,
        202,
        lambda w: ("/projections/caseload/rebuild", None),
        " of caseload",
    ),
    Route(
        "POST",
        "/projections/{name}/rebuild",
        OUTCOME_REBUILDERS,
        202,
        lambda w: ("/projections/outcomes/rebuild", None),
        " of outcomes",
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
    Route("POST", "/imports", ADMIN, 202, lambda w: ("/imports", IMPORTED_ROW)),
    Route(
        "GET",
        "/imports/template.{format}",
        ADMIN,
        200,
        lambda w: ("/imports/template.csv", None),
    ),
    Route("GET", "/imports/{import_id}", ADMIN, 200, _started_import),
    Route("GET", "/audit/access", AUDITORS, 200, lambda w: ("/audit/access", None)),
    Route("GET", "/audit/verify", OPERATORS, 200, lambda w: ("/audit/verify", None)),
    Route(
        "GET",
        "/audit/verify/stream",
        OPERATORS,
        200,
        lambda w: ("/audit/verify/stream", None),
    ),
]
OPEN_ROUTES = {("GET", "/health"), ("GET", "/metrics")}


def test_the_matrix_covers_every_route_of_the_api(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    declared = {
        (method.upper(), path) for path, methods in paths.items() for method in methods
    }

    covered = {(r.method, r.path) for r in ROUTES} | OPEN_ROUTES

    assert declared == covered


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}{r.of}")
def test_every_role_gets_the_route_or_the_exact_refusal(
    world: World, route: Route
) -> None:
    answers = {}
    for caller in CALLERS:
        url, body = route.request(world)
        answers[caller] = world.call(caller, route.method, url, body).status_code
        if route.path.startswith("/projections/") and answers[caller] == 202:
            views: Views = world.client.app.state.views  # type: ignore[attr-defined]
            assert views.rebuilds[url.split("/")[2]].finished.wait(30)

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
        "message": "an evaluator token may not do this; it takes: staff, auditor",
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


def test_staff_see_the_outcomes_of_their_own_organisations_trajectories_only(
    world: World, other_staff: dict[str, str]
) -> None:
    views: Views = world.client.app.state.views  # type: ignore[attr-defined]
    views.wait()

    own = world.client.get("/outcomes").json()
    theirs = world.client.get("/outcomes", headers=other_staff).json()
    asking_for_ours = world.client.get(
        "/outcomes", params={"organisation": ORGANISATION}, headers=other_staff
    )

    # Their own figures, every one: one referral is not withheld from its own staff.
    assert (own["organisation"], own["disclosure_control"]) == (ORGANISATION, False)
    [row] = own["rows"]
    assert (row["suppressed"], row["figures"]["referrals"]) == (False, 1)
    assert (theirs["organisation"], theirs["rows"]) == (OTHER, [])
    assert asking_for_ours.status_code == 403
    assert asking_for_ours.json()["detail"]["code"] == "other_organisation"


def test_an_evaluator_may_rebuild_the_outcome_view_but_not_the_caseload(
    world: World,
) -> None:
    response = world.call(Role.EVALUATOR, "POST", "/projections/caseload/rebuild")

    assert response.status_code == 403
    assert response.json()["detail"] == {
        "code": "forbidden",
        "message": "an evaluator token may rebuild the outcomes view only; the "
        "caseload view's rebuild is the admins'",
    }
    views: Views = world.client.app.state.views  # type: ignore[attr-defined]
    assert "caseload" not in views.rebuilds


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


def recorded(world: World, **event: Any) -> Any:
    """An event of the world's trajectory, posted by its staff."""
    return world.call(
        Role.STAFF, "POST", f"/trajectories/{world.trajectory_id}/events", event
    )


def corrected(world: World, reason: str) -> Any:
    return recorded(
        world,
        type="EntryProfileCorrected",
        on="2024-03-01",
        field="postcode",
        value="9300",
        reason=reason,
    )


def noted(world: World, note: str) -> Any:
    return recorded(
        world,
        type="SessionHeld",
        on="2024-03-01",
        minutes=30,
        mode="individual",
        setting="office",
        note=note,
    )


def test_a_nul_in_any_text_is_refused_naming_the_field(world: World) -> None:
    token = world.call(
        Role.ADMIN, "POST", "/tokens", {"role": "auditor", "name": "a\u0000b"}
    )
    event = corrected(world, "Je\u0000f")

    assert (token.status_code, event.status_code) == (422, 422)
    assert token.json()["detail"]["errors"][0]["field"] == "body.name"
    assert event.json()["detail"]["errors"][0]["field"].endswith("reason")


def test_a_control_character_in_a_stored_text_is_refused_in_words(
    world: World,
) -> None:
    # When a name, a reason and a note arrive with control characters pasted in
    token = world.call(
        Role.ADMIN, "POST", "/tokens", {"role": "auditor", "name": "Ctrl\u001b[2J"}
    )
    event = corrected(world, "line\nbreak")
    note = noted(world, "first line\n\tsecond\u0007")

    # Then each is refused, naming the field and saying why in words
    assert (token.status_code, event.status_code, note.status_code) == (422,) * 3
    for answer, field in ((token, "body.name"), (event, "reason"), (note, "note")):
        (error,) = answer.json()["detail"]["errors"]
        assert error["field"].endswith(field)
        assert error["problem"] == "holds a control character: text only"

    # And a note's line breaks and tabs are its own
    kept = noted(world, "first line\n\tsecond")
    assert kept.status_code == 201, kept.text


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
