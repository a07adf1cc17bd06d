"""GET /health, GET /metrics, and the request body size limit."""

from collections.abc import Iterator

from fastapi.testclient import TestClient

from application.settings import Settings
from application.views import Views
from interfaces.http.app import create_app
from tests.conftest import ThrowawayPostgres
from tests.interfaces.helpers import intake
from tests.interfaces.helpers import recorded
from tests.interfaces.helpers import refer
from tests.interfaces.helpers import register_programme


def views_of(client: TestClient) -> Views:
    views: Views = client.app.state.views  # type: ignore[attr-defined]
    return views


def test_health_says_the_database_answers_and_the_views_keep_up(
    client: TestClient,
) -> None:
    register_programme(client)
    refer(client)
    views_of(client).wait()

    response = client.get("/health")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "reachable"
    assert body["head"] > 0
    assert [(v["name"], v["lag"]) for v in body["views"]] == [
        ("caseload", 0),
        ("outcomes", 0),
    ]


def test_health_is_503_when_the_database_is_down(
    throwaway_postgres: ThrowawayPostgres,
) -> None:
    settings = Settings(database_url=throwaway_postgres.url, run_projections=False)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        assert client.get("/health").status_code == 200

        throwaway_postgres.stop()
        response = client.get("/health")

        assert response.status_code == 503
        assert response.json()["status"] == "unavailable"
        assert response.json()["database"].startswith("unreachable")


def test_metrics_count_requests_by_route_and_events_by_type(
    client: TestClient,
) -> None:
    register_programme(client)
    trajectory_id = refer(client)
    recorded(client, trajectory_id, intake())
    client.get(f"/trajectories/{trajectory_id}")
    views_of(client).wait()

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert (
        'trajectory_http_requests_total{method="GET",'
        'route="/trajectories/{trajectory_id}",status="200"} 1.0'
    ) in text
    assert 'trajectory_http_request_seconds_bucket{le="0.005",method="POST"' in text
    assert 'trajectory_events_recorded_total{type="IntakeCompleted"} 1.0' in text
    assert 'trajectory_events_recorded_total{type="ReferralReceived"} 1.0' in text
    assert 'trajectory_view_lag{view="outcomes"} 0.0' in text
    assert "trajectory_event_log_head " in text


def test_an_unknown_path_is_counted_as_unmatched(client: TestClient) -> None:
    client.get("/nowhere")

    text = client.get("/metrics").text

    assert 'route="unmatched",status="404"} 1.0' in text


def test_a_body_over_the_limit_is_refused_with_413_and_nothing_recorded(
    client: TestClient,
) -> None:
    register_programme(client)
    trajectory_id = refer(client)
    huge = intake(postcode="9" * 300_000)

    response = client.post(f"/trajectories/{trajectory_id}/events", json=huge)

    assert response.status_code == 413
    assert response.json()["detail"]["code"] == "body_too_large"
    history = client.get(f"/trajectories/{trajectory_id}/history").json()
    assert [entry["type"] for entry in history] == ["ReferralReceived"]


def test_a_streamed_body_over_the_limit_is_refused_too(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"given_name": "'
        for _ in range(300):
            yield b"x" * 1024
        yield b'"}'

    response = client.post(
        "/participants",
        content=chunks(),
        headers={"content-type": "application/json"},
    )

    assert response.status_code == 413
