"""Coaches and group sessions over HTTP: an admin registers a coach, staff choose
coaches by id, and a group session is one request, refused whole with the reason of
the one participant who cannot take part."""

from typing import Any

from fastapi.testclient import TestClient

from application.access import Role
from tests.interfaces.helpers import ORGANISATION
from tests.interfaces.helpers import as_role
from tests.interfaces.helpers import caught_up
from tests.interfaces.helpers import coach_id
from tests.interfaces.helpers import created
from tests.interfaces.helpers import recorded
from tests.interfaces.helpers import register_programme
from tests.interfaces.helpers import taken_in


def group(*trajectory_ids: str, **overrides: Any) -> dict[str, Any]:
    return {
        "trajectory_ids": list(trajectory_ids),
        "on": "2024-03-05",
        "minutes": 120,
        "mode": "dialogue_table",
        "setting": "outreach",
        "note": "dialoogtafel: werken in de zorg",
        **overrides,
    }


def test_an_admin_registers_a_coach_and_staff_see_their_organisation_s(
    client: TestClient,
) -> None:
    admin = as_role(client, Role.ADMIN)
    body = {"name": "Mieke Janssens", "organisation": ORGANISATION}

    coach = created(client.post("/coaches", json=body, headers=admin))
    again = client.post(
        "/coaches", json={**body, "name": "mieke  JANSSENS"}, headers=admin
    )
    elsewhere = created(
        client.post(
            "/coaches", json={**body, "organisation": "Groep Intro"}, headers=admin
        )
    )
    mine = client.get("/coaches").json()

    assert coach["id"] == coach_id("Mieke Janssens")
    assert (coach["active"], coach["left_on"]) == (True, None)
    assert again.status_code == 422
    assert again.json()["detail"]["code"] == "coach_already_registered"
    assert coach["id"] in [c["id"] for c in mine]
    assert elsewhere["id"] not in [c["id"] for c in mine]
    assert {c["organisation"] for c in mine} == {ORGANISATION}
    assert client.get(f"/coaches/{elsewhere['id']}").status_code == 404
    other = client.get("/coaches", params={"organisation": "Groep Intro"})
    assert other.status_code == 403


def test_a_coach_who_left_is_not_chosen(client: TestClient) -> None:
    register_programme(client)
    trajectory_id = taken_in(client)
    admin = as_role(client, Role.ADMIN)
    left = client.post(
        f"/coaches/{coach_id('Bram')}/leave", json={"on": "2024-02-29"}, headers=admin
    )

    assigned = client.post(
        f"/trajectories/{trajectory_id}/events",
        json={
            "type": "CoachAssigned",
            "on": "2024-03-01",
            "coach_id": coach_id("Bram"),
        },
    )

    assert left.json()["left_on"] == "2024-02-29"
    assert assigned.status_code == 422
    assert assigned.json()["detail"]["code"] == "coach_has_left"


def test_an_unknown_coach_is_not_found(client: TestClient) -> None:
    register_programme(client)
    trajectory_id = taken_in(client)

    assigned = client.post(
        f"/trajectories/{trajectory_id}/events",
        json={
            "type": "CoachAssigned",
            "on": "2024-03-01",
            "coach_id": coach_id("Nobody"),
        },
    )

    assert assigned.status_code == 404
    assert assigned.json()["detail"]["code"] == "coach_not_found"


def test_the_caseload_filters_a_coach_whatever_the_case(client: TestClient) -> None:
    register_programme(client)
    taken_in(client)
    caught_up(client)

    by_name = client.get("/caseload", params={"coach": "hILDE"}).json()
    by_id = client.get("/caseload", params={"coach_id": coach_id("Hilde")}).json()

    assert by_name["total"] == by_id["total"] == 1
    assert by_name["entries"][0]["coach_id"] == coach_id("Hilde")


def test_a_group_session_is_one_request_for_three_participants(
    client: TestClient,
) -> None:
    register_programme(client)
    ids = [taken_in(client) for _ in range(3)]

    response = client.post("/group-sessions", json=group(*ids))

    held = created(response)
    assert response.headers["Location"] == f"/group-sessions/{held['id']}"
    assert [m["trajectory_id"] for m in held["members"]] == ids
    assert [m["version"] for m in held["members"]] == [3, 3, 3]
    assert client.get(f"/group-sessions/{held['id']}").json() == held
    for trajectory_id in ids:
        history = client.get(f"/trajectories/{trajectory_id}/history").json()
        assert history[-1]["data"]["group_session_id"] == held["id"]


def test_one_participant_who_cannot_take_part_refuses_the_group(
    client: TestClient,
) -> None:
    register_programme(client)
    ids = [taken_in(client) for _ in range(3)]
    recorded(
        client,
        ids[2],
        {"type": "DroppedOut", "on": "2024-03-01", "reason": "lost_contact"},
    )

    response = client.post("/group-sessions", json=group(*ids))

    assert response.status_code == 422
    detail = response.json()["detail"]
    assert (detail["code"], detail["position"], detail["trajectory_id"]) == (
        "group_member_refused",
        3,
        ids[2],
    )
    assert detail["refusal"] == "trajectory_not_open"
    for trajectory_id in ids[:2]:
        assert client.get(f"/trajectories/{trajectory_id}").json()["version"] == 2


def test_a_group_that_is_no_group_is_refused_by_name(client: TestClient) -> None:
    register_programme(client)
    ids = [taken_in(client) for _ in range(2)]

    individual = client.post("/group-sessions", json=group(*ids, mode="individual"))
    alone = client.post("/group-sessions", json=group(ids[0]))

    assert individual.json()["detail"]["code"] == "group_session_not_in_group"
    assert alone.status_code == 422
    assert alone.json()["detail"]["code"] == "invalid_request"


def test_the_to_do_list_names_what_is_due_and_the_event_that_records_it(
    client: TestClient,
) -> None:
    register_programme(client)
    trajectory_id = taken_in(client)
    recorded(
        client,
        trajectory_id,
        {"type": "TrajectoryCompleted", "on": "2024-06-28", "destination": "employed"},
    )
    caught_up(client)

    listed = client.get("/todo", params={"on": "2024-07-08"}).json()
    later = client.get("/todo", params={"on": "2024-07-27", "kind": "exit_result"})
    wrong = client.get("/todo", params={"kind": "coffee"})
    ancient = client.get("/todo", params={"on": "0001-01-01"})

    [item] = [i for i in listed["items"] if i["trajectory_id"] == trajectory_id]
    assert (item["kind"], item["closes_on"], item["days_left"]) == (
        "exit_result",
        "2024-07-26",
        18,
    )
    assert item["record"] == "ExitResultRecorded"
    assert item["participant_name"] == "Lotte Claes"
    assert later.json()["items"] == []  # the window closed
    assert wrong.status_code == 422
    assert ancient.status_code == 422
    assert "to-do list is before 1900" in ancient.json()["detail"]["message"]
