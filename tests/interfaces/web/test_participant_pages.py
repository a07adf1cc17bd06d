"""The pages that find a participant, show them with every trajectory, register a new
one (refused for someone registered already unless confirmed), and list every
trajectory whatever its stage; without a browser, on both stores."""

import re
from typing import Any

import pytest

from application.access import Role
from application.views import Views
from tests.interfaces.helpers import ORGANISATION
from tests.interfaces.helpers import dropout
from tests.interfaces.helpers import intake
from tests.interfaces.web.conftest import Pages
from tests.interfaces.web.html import by_id
from tests.interfaces.web.html import forms_of
from tests.interfaces.web.html import parsed

NUMBER = "05031412397"  # born 2005-03-14, as the pages' participant Lotte Claes


def api(pages: Pages, role: Role = Role.STAFF) -> dict[str, str]:
    return {"Authorization": f"Bearer {pages.tokens[role]}"}


def caught_up(pages: Pages) -> None:
    views: Views = pages.app.state.views  # type: ignore[attr-defined]
    views.catch_up()


def participant_of(pages: Pages) -> str:
    answer = pages.get(f"/trajectories/{pages.trajectory_id}", headers=api(pages))
    return str(answer.json()["participant_id"])


def registered(pages: Pages, **body: Any) -> str:
    details = {
        "given_name": "Bram",
        "family_name": "Maes",
        "birth_date": "1999-07-01",
        "gender": "M",
        **body,
    }
    answer = pages.post("/participants", json=details, headers=api(pages))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def register_form(pages: Pages, **fields: str) -> Any:
    form = {
        "csrf": pages.csrf("/ui/participants/new"),
        "given_name": "Anna",
        "family_name": "Peeters",
        "birth_date": "2001-05-14",
        "gender": "F",
        **fields,
    }
    return pages.post("/ui/participants", data=form, follow_redirects=False)


# Finding ------------------------------------------------------------------------------


def test_a_coach_finds_a_participant_with_their_trajectories(pages: Pages) -> None:
    # Given the pages' participant, Lotte Claes, whose trajectory ended
    assert pages.post(
        f"/trajectories/{pages.trajectory_id}/events",
        json=intake(),
        headers=api(pages),
    ).is_success
    assert pages.post(
        f"/trajectories/{pages.trajectory_id}/events",
        json=dropout(),
        headers=api(pages),
    ).is_success
    registered(pages)
    caught_up(pages)
    pages.sign_in(Role.STAFF)

    # When a coach searches for part of her name
    answer = pages.get("/ui/participants", params={"q": "lot CLA"})

    # Then she is found, with her ended trajectory linking to its page
    assert answer.status_code == 200
    found = by_id(answer.text, "found")
    assert "Lotte Claes" in found.text
    assert "Maes" not in found.text
    assert "Uitgevallen" in found.text  # the stage, in Dutch
    assert (f"/ui/trajectories/{pages.trajectory_id}", "BUSO-AALST") in found.links
    participant = participant_of(pages)
    assert (f"/ui/participants/{participant}", "Lotte Claes") in found.links


def test_a_birth_date_or_a_national_register_number_finds_the_participant(
    pages: Pages,
) -> None:
    bram = registered(pages, national_register_number="99.07.01-123.35")
    pages.sign_in(Role.AUDITOR)

    for q in (
        "01/07/1999",
        "1999-07-01",
        "99.07.01-123.35",
        "990701 12335",
        "maes 01/07/1999",
    ):
        answer = pages.get("/ui/participants", params={"q": q})
        links = by_id(answer.text, "found").links
        assert (f"/ui/participants/{bram}", "Bram Maes") in links, q


def test_a_search_the_box_cannot_read_is_refused_in_dutch(pages: Pages) -> None:
    pages.sign_in(Role.STAFF)

    answer = pages.get("/ui/participants", params={"q": "claes 2005"})

    assert answer.status_code == 422
    assert "geen geboortedatum (dd/mm/jjjj)" in answer.text


def test_an_erased_participant_is_not_found_and_their_page_says_so(
    pages: Pages,
) -> None:
    participant = participant_of(pages)
    assert pages.delete(
        f"/participants/{participant}", headers=api(pages, Role.ADMIN)
    ).is_success
    caught_up(pages)
    pages.sign_in(Role.STAFF)

    search = pages.get("/ui/participants", params={"q": "claes"})
    page = pages.get(f"/ui/participants/{participant}")

    assert "Lotte" not in by_id(search.text, "found").text
    assert page.status_code == 200
    assert "Persoonsgegevens gewist" in page.text
    assert "Lotte" not in page.text and "Claes" not in page.text
    assert pages.trajectory_id in page.text  # the trajectory stays
    assert "/refer" not in page.text
    listed = by_id(pages.get("/ui/trajectories").text, "trajectory-list")
    assert "Persoonsgegevens gewist" in listed.text and "Lotte" not in listed.text


def test_an_evaluator_may_not_find_participants(pages: Pages) -> None:
    pages.sign_in(Role.EVALUATOR)

    answer = pages.get("/ui/participants", params={"q": "claes"})

    assert answer.status_code == 403
    assert "Lotte" not in answer.text


def test_staff_and_auditors_have_find_and_trajectories_in_the_navigation(
    pages: Pages,
) -> None:
    for role, shown in (
        (Role.STAFF, True),
        (Role.AUDITOR, True),
        (Role.EVALUATOR, False),
        (Role.ADMIN, False),
    ):
        pages.sign_in(role)
        links = parsed(pages.get("/ui/programmes").text).links
        assert ("/ui/participants" in links) is shown, role
        assert ("/ui/trajectories" in links) is shown, role


# A participant's page -----------------------------------------------------------------


def test_the_participant_page_shows_their_details_and_every_trajectory(
    pages: Pages,
) -> None:
    participant = participant_of(pages)
    pages.sign_in(Role.STAFF)

    answer = pages.get(f"/ui/participants/{participant}")

    assert answer.status_code == 200
    assert "<h1>Lotte Claes</h1>" in answer.text
    assert "Lotte" not in answer.text.split("<title>")[1].split("</title>")[0]
    table = by_id(answer.text, "their-trajectories")
    assert (f"/ui/trajectories/{pages.trajectory_id}", "BUSO-AALST") in table.links
    assert "Verwezen" in table.text  # the stage, in Dutch
    assert f"/ui/participants/{participant}/refer" in parsed(answer.text).links


def test_reading_the_participant_page_is_in_the_access_log(pages: Pages) -> None:
    participant = participant_of(pages)
    pages.sign_in(Role.AUDITOR)

    pages.get(f"/ui/participants/{participant}")

    log = pages.get("/audit/access", headers=api(pages, Role.AUDITOR)).json()
    assert [
        (entry["participant_id"], entry["role"])
        for entry in log["entries"]
        if entry["route"] == "GET /ui/participants/{id}"
    ] == [(participant, "auditor")]


def test_staff_of_another_organisation_do_not_see_the_participant(
    pages: Pages,
) -> None:
    participant = participant_of(pages)
    tokens = pages.app.state.service.tokens  # type: ignore[attr-defined]
    _, secret = tokens.create(role=Role.STAFF, name="Ruth", organisation="Randstad")
    pages.cookies.clear()
    assert pages.post("/ui/sign-in", data={"token": secret}).status_code == 200

    answer = pages.get(f"/ui/participants/{participant}")
    search = pages.get("/ui/participants", params={"q": "claes"})

    assert answer.status_code == 404
    assert "Lotte" not in answer.text
    assert "Lotte" not in search.text


# Registering --------------------------------------------------------------------------


def test_the_registration_form_asks_what_the_command_takes(pages: Pages) -> None:
    pages.sign_in(Role.STAFF)

    answer = pages.get("/ui/participants/new")

    [form] = [
        f for f in forms_of(answer.text) if f.action.startswith("/ui/participants#")
    ]
    assert [i.name for i in form.fields] == [
        "given_name",
        "family_name",
        "birth_date",
        "gender",
        "national_register_number",
        "email",
        "phone",
    ]
    assert form.inputs["birth_date"].value == ""  # not today's date
    assert "Voornaam" in answer.text


def test_a_registration_leads_to_the_participant_page(pages: Pages) -> None:
    pages.sign_in(Role.STAFF)

    answer = register_form(pages, national_register_number="01.05.14-517.21")

    assert answer.status_code == 303
    target = answer.headers["location"]
    assert target.startswith("/ui/participants/") and target.endswith("?registered=1")
    page = pages.get(target)
    assert "De deelnemer is ingeschreven." in page.text
    assert "01051451721" in page.text


def test_a_likely_duplicate_is_shown_with_links_and_registered_once_confirmed(
    pages: Pages,
) -> None:
    # Given a coach and Lotte Claes in their organisation's dossiers
    participant = participant_of(pages)
    pages.sign_in(Role.STAFF)
    same = {"given_name": "LOTTE", "family_name": "Claës", "birth_date": "2005-03-14"}

    # When they register someone of the same name and birth date
    refused = register_form(pages, **same)

    # Then the form comes back refused, naming her with a link, and asks whether
    # this is another person; confirmed, the person is registered
    assert refused.status_code == 422
    candidates = by_id(refused.text, "candidates")
    assert (f"/ui/participants/{participant}", "Lotte Claes") in candidates.links
    [form] = [
        f for f in forms_of(refused.text) if f.action.startswith("/ui/participants#")
    ]
    assert form.inputs["confirmed_new_person"].options == ["true"]
    assert form.inputs["family_name"].value == "Claës"  # what was typed, kept
    confirmed = register_form(pages, **same, confirmed_new_person="true")
    assert confirmed.status_code == 303
    assert participant not in confirmed.headers["location"]


def test_a_registered_number_is_refused_without_the_confirmation(
    pages: Pages,
) -> None:
    bram = registered(pages, national_register_number="99.07.01-123.35")
    pages.sign_in(Role.STAFF)

    refused = register_form(
        pages,
        birth_date="1999-07-01",
        national_register_number="99070112335",
        confirmed_new_person="true",
    )

    assert refused.status_code == 422
    assert "Iemand met dit rijksregisternummer is al ingeschreven" in refused.text
    assert (f"/ui/participants/{bram}", "Bram Maes") in by_id(
        refused.text, "candidates"
    ).links
    [form] = [
        f for f in forms_of(refused.text) if f.action.startswith("/ui/participants#")
    ]
    assert "confirmed_new_person" not in form.inputs


@pytest.mark.parametrize(
    ("number", "words"),
    [
        ("01.05.14-517.22", "controlecijfers van het rijksregisternummer kloppen niet"),
        ("abc", "een rijksregisternummer heeft 11 cijfers"),
    ],
)
def test_a_wrong_number_names_the_field(pages: Pages, number: str, words: str) -> None:
    pages.sign_in(Role.STAFF)

    refused = register_form(pages, national_register_number=number)

    assert refused.status_code == 422
    assert words in refused.text.lower()
    field = re.search(
        r'<input[^>]*id="field-national_register_number"[^>]*>', refused.text
    )
    assert field and 'aria-invalid="true"' in field.group(0)


def test_auditors_may_not_register(pages: Pages) -> None:
    pages.sign_in(Role.AUDITOR)

    assert pages.get("/ui/participants/new").status_code == 403


# Every trajectory ---------------------------------------------------------------------


def test_the_trajectory_list_shows_ended_ones_and_filters_them(pages: Pages) -> None:
    for event in (intake(), dropout()):
        assert pages.post(
            f"/trajectories/{pages.trajectory_id}/events",
            json=event,
            headers=api(pages),
        ).is_success
    caught_up(pages)
    pages.sign_in(Role.STAFF)

    every = pages.get("/ui/trajectories")
    dropped = pages.get("/ui/trajectories", params={"stage": "dropped_out"})
    active = pages.get("/ui/trajectories", params={"stage": "active"})
    in_range = pages.get(
        "/ui/trajectories",
        params={"referred_from": "2024-02-01", "referred_to": "2024-02-01"},
    )
    after = pages.get("/ui/trajectories", params={"referred_from": "2024-02-02"})

    link = f"/ui/trajectories/{pages.trajectory_id}"
    assert link in parsed(every.text).links
    assert "Uitgevallen" in by_id(every.text, "trajectory-list").text
    assert link in parsed(dropped.text).links
    assert link not in parsed(active.text).links
    assert link in parsed(in_range.text).links
    assert link not in parsed(after.text).links


def test_auditors_filter_the_trajectory_list_by_organisation(pages: Pages) -> None:
    caught_up(pages)
    pages.sign_in(Role.AUDITOR)

    ours = pages.get("/ui/trajectories", params={"organisation": ORGANISATION})
    others = pages.get("/ui/trajectories", params={"organisation": "Randstad"})

    [filters] = [f for f in forms_of(ours.text) if f.action == "/ui/trajectories"]
    assert "organisation" in filters.inputs
    assert f"/ui/trajectories/{pages.trajectory_id}" in parsed(ours.text).links
    assert f"/ui/trajectories/{pages.trajectory_id}" not in parsed(others.text).links


def test_a_date_range_the_list_cannot_read_is_refused_in_dutch(pages: Pages) -> None:
    pages.sign_in(Role.STAFF)

    backwards = pages.get(
        "/ui/trajectories",
        params={"referred_from": "2024-03-01", "referred_to": "2024-02-01"},
    )
    garbled = pages.get("/ui/trajectories", params={"referred_from": "1 maart"})

    assert backwards.status_code == 422
    assert "ligt na de einddatum" in backwards.text
    assert garbled.status_code == 422
    assert "geen datum zoals 2024-02-01" in garbled.text
