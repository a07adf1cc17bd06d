"""Logs: one JSON object per line, each written while answering a request with that
request's id (returned in ``X-Request-ID``), and no personal data in any of them."""

import io
import json
import logging
import sys
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from application.settings import Settings
from interfaces.logs import configure_logging
from tests.interfaces.helpers import intake
from tests.interfaces.helpers import participant_body
from tests.interfaces.helpers import recorded
from tests.interfaces.helpers import referral_body
from tests.interfaces.helpers import register_participant
from tests.interfaces.helpers import register_programme
from tests.interfaces.helpers import session

Lines = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def logged(monkeypatch: pytest.MonkeyPatch) -> Iterator[Lines]:
    """JSON logging into a buffer; gives the lines written so far, parsed."""
    root = logging.getLogger()
    handlers, level = root.handlers, root.level
    buffer = io.StringIO()
    monkeypatch.setattr(sys, "stderr", buffer)
    configure_logging(Settings(log_format="json"))
    # The test client's own lines (it logs each URL it calls) are not the service's.
    monkeypatch.setattr(logging.getLogger("httpx"), "disabled", True)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    root.handlers, root.level = handlers, level


def lines_of(lines: list[dict[str, Any]], request_id: str) -> list[dict[str, Any]]:
    return [line for line in lines if line["request_id"] == request_id]


def test_each_answer_carries_a_new_request_id(client: TestClient) -> None:
    first = client.get("/programmes").headers["X-Request-ID"]
    second = client.get("/programmes").headers["X-Request-ID"]

    assert len(first) == 32 and first != second


def test_a_plain_request_id_from_the_caller_is_kept_and_any_other_replaced(
    client: TestClient,
) -> None:
    kept = client.get("/programmes", headers={"X-Request-ID": "lb-7f3a.42"})
    replaced = client.get("/programmes", headers={"X-Request-ID": "two words"})
    too_long = client.get("/programmes", headers={"X-Request-ID": "a" * 129})

    assert kept.headers["X-Request-ID"] == "lb-7f3a.42"
    assert replaced.headers["X-Request-ID"] not in ("two words", "")
    assert too_long.headers["X-Request-ID"] != "a" * 129


def test_a_request_is_logged_once_with_its_route_template_and_id(
    client: TestClient, logged: Lines
) -> None:
    programme = register_programme(client)
    answer = client.get(f"/programmes/{programme['code']}")

    request_id = answer.headers["X-Request-ID"]
    mine = lines_of(logged(), request_id)
    assert [(line["logger"], line["route"], line["status"]) for line in mine] == [
        ("trajectory.http.access", "/programmes/{code}", 200)
    ]
    assert mine[0]["method"] == "GET" and mine[0]["duration_ms"] >= 0
    assert programme["code"] not in json.dumps(mine)  # the template, not the path


def test_a_head_request_is_logged_as_head_with_the_route_of_its_get(
    client: TestClient, logged: Lines
) -> None:
    programme = register_programme(client)
    answer = client.head(f"/programmes/{programme['code']}")

    mine = lines_of(logged(), answer.headers["X-Request-ID"])
    assert [(line["method"], line["route"], line["status"]) for line in mine] == [
        ("HEAD", "/programmes/{code}", 200)
    ]
    assert answer.content == b""


def test_every_line_written_for_a_failing_request_has_its_id(
    client: TestClient, logged: Lines, monkeypatch: pytest.MonkeyPatch
) -> None:
    quoted = "Zoë-Marie Vandermeersch"  # as an error quoting its input would

    def broken() -> None:
        raise RuntimeError(f"the catalogue is broken at {quoted}")

    monkeypatch.setattr(client.app.state.service, "programmes", broken)  # type: ignore[attr-defined]
    answer = client.get("/programmes")

    mine = lines_of(logged(), answer.headers["X-Request-ID"])
    assert answer.status_code == 500
    assert [line["level"] for line in mine] == ["ERROR", "INFO"]
    assert mine[0]["error"] == "RuntimeError"
    assert "in broken" in mine[0]["traceback"]  # the frames, to find the fault
    assert quoted not in json.dumps(mine, ensure_ascii=False)  # not the message
    assert mine[1]["status"] == 500


def test_no_personal_data_reaches_the_logs(client: TestClient, logged: Lines) -> None:
    personal = {
        "given_name": "Zoë-Marie",
        "family_name": "Vandermeersch",
        "national_register_number": "05031412397",
        "email": "zoe.vandermeersch@example.be",
        "phone": "+32470998877",
    }
    register_programme(client)
    participant_id = register_participant(client, **personal)
    trajectory = client.post("/trajectories", json=referral_body(participant_id))
    trajectory_id = trajectory.json()["id"]
    recorded(
        client,
        trajectory_id,
        intake(),
        session(note="Zoë-Marie Vandermeersch belde over haar rijbewijs"),
    )
    client.get(f"/participants/{participant_id}")
    refused = client.post(  # an invalid body echoing the name is refused
        "/participants", json=participant_body(**personal, birth_date="Zoë-Marie")
    )
    client.get("/caseload", params={"search": "Vandermeersch"})

    lines = logged()
    assert refused.status_code == 422
    assert len(lines) >= 7  # a line per request at least: something was logged
    text = json.dumps(lines, ensure_ascii=False)
    for value in personal.values():
        assert value not in text
    assert "rijbewijs" not in text


def test_an_unknown_path_is_logged_as_unmatched_and_a_fixed_page_by_its_path(
    client: TestClient, logged: Lines
) -> None:
    unknown = client.get("/participants-of/Vandermeersch")
    docs = client.get("/docs")

    lines = logged()
    routes = [
        [line["route"] for line in lines_of(lines, answer.headers["X-Request-ID"])]
        for answer in (unknown, docs)
    ]
    assert routes == [["unmatched"], ["/docs"]]
    assert "Vandermeersch" not in json.dumps(lines)
