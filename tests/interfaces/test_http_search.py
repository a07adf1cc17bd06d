"""Finding participants over HTTP (GET /participants), duplicates refused at
registration, GET /trajectories?participant_id=, and query parameters a route does
not take refused rather than ignored."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from application.access import Role
from application.views import Views
from tests.interfaces.helpers import ORGANISATION
from tests.interfaces.helpers import as_role
from tests.interfaces.helpers import bearer
from tests.interfaces.helpers import created
from tests.interfaces.helpers import dropout
from tests.interfaces.helpers import intake
from tests.interfaces.helpers import participant_body
from tests.interfaces.helpers import recorded
from tests.interfaces.helpers import referral_body
from tests.interfaces.helpers import register_participant
from tests.interfaces.helpers import register_programme

OTHER = "Randstad Belgium"
NUMBER = "05031412397"  # of Lotte Claes, born 2005-03-14


def views_of(client: TestClient) -> Views:
    views: Views = client.app.state.views  # type: ignore[attr-defined]
    return views


def other_staff(client: TestClient) -> dict[str, str]:
    tokens = client.app.state.service.tokens  # type: ignore[attr-defined]
    _, secret = tokens.create(role=Role.STAFF, name="Ruth", organisation=OTHER)
    return bearer(secret)


def search(client: TestClient, role: Role = Role.STAFF, **params: Any) -> Any:
    views_of(client).catch_up()
    response = client.get("/participants", params=params, headers=as_role(client, role))
    assert response.status_code == 200, response.text
    return response.json()


def found_ids(answer: Any) -> list[str]:
    return [participant["id"] for participant in answer["participants"]]


@pytest.fixture
def programme(client: TestClient) -> None:
    register_programme(client, organisations=[ORGANISATION, OTHER])


def test_staff_find_a_participant_with_their_ended_and_open_trajectories(
    client: TestClient, programme: None
) -> None:
    # Given a participant whose first trajectory ended in a dropout and who was
    # referred again, and someone else
    lotte = register_participant(client, national_register_number=NUMBER)
    first = created(client.post("/trajectories", json=referral_body(lotte)))["id"]
    recorded(client, first, intake(), dropout())
    second = created(
        client.post("/trajectories", json=referral_body(lotte, on="2024-08-01"))
    )["id"]
    register_participant(client, given_name="Bram", family_name="Maes")

    # When staff search for part of her name
    answer = search(client, name="LOTTE cla")

    # Then she is found, once, with both trajectories, oldest first
    assert (answer["total"], answer["complete"]) == (1, True)
    [found] = answer["participants"]
    assert (found["id"], found["given_name"], found["family_name"]) == (
        lotte,
        "Lotte",
        "Claes",
    )
    assert found["national_register_number"] == NUMBER
    assert found["organisation"] == ORGANISATION
    assert [
        (t["id"], t["stage"], t["referred_on"], t["exit_on"])
        for t in found["trajectories"]
    ] == [
        (first, "dropped_out", "2024-02-01", "2024-06-30"),
        (second, "referred", "2024-08-01", None),
    ]


def test_a_birth_date_or_the_whole_number_finds_the_participant(
    client: TestClient,
) -> None:
    lotte = register_participant(client, national_register_number=NUMBER)

    assert found_ids(search(client, birth_date="2005-03-14")) == [lotte]
    assert found_ids(search(client, national_number="05.03.14-123.97")) == [lotte]
    assert found_ids(search(client, name="claes", birth_date="2005-03-15")) == []


def test_staff_find_their_organisations_participants_and_auditors_and_admins_all(
    client: TestClient,
) -> None:
    ours = register_participant(client)
    theirs = created(
        client.post(
            "/participants", json=participant_body(), headers=other_staff(client)
        )
    )["id"]

    assert found_ids(search(client, name="claes")) == [ours]
    for role in (Role.AUDITOR, Role.ADMIN):
        assert set(found_ids(search(client, role, name="claes"))) == {ours, theirs}


def test_an_evaluator_may_not_search(client: TestClient) -> None:
    response = client.get(
        "/participants",
        params={"name": "claes"},
        headers=as_role(client, Role.EVALUATOR),
    )

    assert response.status_code == 403


def test_an_erased_participant_is_never_found(client: TestClient) -> None:
    lotte = register_participant(client, national_register_number=NUMBER)
    erased = client.delete(
        f"/participants/{lotte}", headers=as_role(client, Role.ADMIN)
    )
    assert erased.status_code == 200

    for params in ({"name": "lotte"}, {"national_number": NUMBER}):
        for role in (Role.STAFF, Role.AUDITOR):
            assert search(client, role, **params)["participants"] == []


def test_each_participant_found_is_in_the_access_log(client: TestClient) -> None:
    lotte = register_participant(client)
    register_participant(client, given_name="Bram", family_name="Maes")

    search(client, name="lotte")

    log = client.get("/audit/access", headers=as_role(client, Role.AUDITOR)).json()
    assert [(e["participant_id"], e["route"]) for e in log["entries"]] == [
        (lotte, "GET /participants")
    ]


@pytest.mark.parametrize(
    ("params", "code", "words"),
    [
        ({}, "invalid_value", "give a name, a birth date or a national register"),
        ({"name": "l"}, "invalid_value", "at least 2 letters"),
        ({"national_number": "0503"}, "invalid_value", "whole national register"),
        ({"birth_date": "14/03/2005"}, "invalid_request", "query.birth_date"),
        ({"name": "lotte", "limit": "0"}, "invalid_request", "query.limit"),
        ({"name": "lotte", "nam": "claes"}, "invalid_request", "query.nam"),
    ],
)
def test_a_search_that_cannot_be_made_is_refused_naming_why(
    client: TestClient, params: dict[str, str], code: str, words: str
) -> None:
    response = client.get("/participants", params=params)

    assert response.status_code == 422
    assert response.json()["detail"]["code"] == code
    assert words in response.json()["detail"]["message"]


# Duplicates at registration -----------------------------------------------------------


def test_the_number_of_someone_registered_is_refused_naming_them(
    client: TestClient,
) -> None:
    lotte = register_participant(client, national_register_number=NUMBER)

    response = client.post(
        "/participants",
        json=participant_body(
            given_name="Anna",
            family_name="Peeters",
            national_register_number="05.03.14-123.97",
            confirmed_new_person=True,
        ),
    )

    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail["code"] == "national_number_registered"
    assert detail["participant_ids"] == [lotte]
    assert "05" not in detail["message"].replace(lotte, "")


def test_the_same_name_and_birth_date_is_refused_until_confirmed(
    client: TestClient,
) -> None:
    lotte = register_participant(client)

    refused = client.post("/participants", json=participant_body(family_name="CLAËS"))
    confirmed = client.post(
        "/participants",
        json=participant_body(family_name="CLAËS", confirmed_new_person=True),
    )

    assert refused.status_code == 422
    assert refused.json()["detail"]["code"] == "likely_duplicate"
    assert refused.json()["detail"]["participant_ids"] == [lotte]
    assert confirmed.status_code == 201
    assert "confirmed_new_person" not in confirmed.json()


def test_a_number_is_stored_as_its_11_digits(client: TestClient) -> None:
    participant_id = register_participant(
        client, national_register_number="05.03.14-123.97"
    )

    response = client.get(f"/participants/{participant_id}")

    assert response.json()["national_register_number"] == NUMBER


# GET /trajectories?participant_id= ----------------------------------------------------


def test_the_trajectory_list_is_filtered_by_participant(
    client: TestClient, programme: None
) -> None:
    lotte = register_participant(client)
    bram = register_participant(client, given_name="Bram", family_name="Maes")
    hers = created(client.post("/trajectories", json=referral_body(lotte)))["id"]
    created(client.post("/trajectories", json=referral_body(bram)))
    views_of(client).catch_up()

    response = client.get("/trajectories", params={"participant_id": lotte})

    assert response.status_code == 200
    assert [t["id"] for t in response.json()["trajectories"]] == [hers]


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/trajectories?participant=x", "query.participant"),
        ("/trajectories?participant_id=nobody", "query.participant_id"),
        ("/trajectories?programe=BUSO", "query.programe"),
        ("/caseload?coach=Hilde&stag=active", "query.stag"),
        ("/programmes?code=BUSO", "query.code"),
    ],
)
def test_a_query_parameter_a_route_does_not_take_is_refused_naming_it(
    client: TestClient, url: str, field: str
) -> None:
    response = client.get(url)

    assert response.status_code == 422
    assert response.json()["detail"]["errors"][0]["field"] == field
