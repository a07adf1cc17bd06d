"""The pages of a coach's day beyond the trajectory: a referral, the to-do list, a
group session, and the coaches of the organisation."""

from typing import Any

from application.access import Role
from tests.interfaces.helpers import ORGANISATION
from tests.interfaces.helpers import coach_id
from tests.interfaces.helpers import intake
from tests.interfaces.helpers import participant_body
from tests.interfaces.helpers import programme_body
from tests.interfaces.helpers import referral_body
from tests.interfaces.web.conftest import Pages

ONGOING = "JOBCOACHING"


def api(pages: Pages, role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {pages.tokens[role]}"}


def ongoing_programme(pages: Pages) -> None:
    body = programme_body(code=ONGOING, name="Jobcoaching", ends_on=None)
    answer = pages.post("/programmes", json=body, headers=api(pages, Role.ADMIN))
    assert answer.status_code == 201, answer.text


def participant(pages: Pages, **overrides: Any) -> str:
    body = participant_body(confirmed_new_person=True, **overrides)
    answer = pages.post("/participants", json=body, headers=api(pages, Role.STAFF))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def taken_in(pages: Pages) -> str:
    staff = api(pages, Role.STAFF)
    referred = pages.post(
        "/trajectories", json=referral_body(participant(pages)), headers=staff
    )
    trajectory_id = str(referred.json()["id"])
    answer = pages.post(
        f"/trajectories/{trajectory_id}/events", json=intake(), headers=staff
    )
    assert answer.status_code == 201, answer.text
    return trajectory_id


# Referral ---------------------------------------------------------------------------


def test_a_coach_refers_into_a_programme_running_today_and_goes_on_to_the_intake(
    pages: Pages,
) -> None:
    ongoing_programme(pages)
    person = participant(pages, given_name="Noor", family_name="Peeters")
    pages.sign_in(Role.STAFF)
    path = f"/ui/participants/{person}/refer"

    page = pages.get(path).text
    answer = pages.post(
        path,
        data={
            "csrf": pages.csrf(path),
            "programme": ONGOING,
            "referral_source": "vdab",
            "on": "2024-02-01",
        },
        follow_redirects=False,
    )

    assert "Noor Peeters toeleiden" in page
    assert "Jobcoaching (JOBCOACHING)" in page
    assert "BUSO-AALST" not in page  # ended
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"].endswith(
        "?record=IntakeCompleted&recorded=1#record"
    )
    intake_page = pages.get(answer.headers["location"]).text
    assert "Noor Peeters" in intake_page


def test_a_referral_the_programme_refuses_shows_why_in_words(pages: Pages) -> None:
    ongoing_programme(pages)
    person = participant(pages, birth_date="1950-01-01")  # 74: over 25
    pages.sign_in(Role.STAFF)
    path = f"/ui/participants/{person}/refer"

    answer = pages.post(
        path,
        data={
            "csrf": pages.csrf(path),
            "programme": ONGOING,
            "referral_source": "vdab",
            "on": "2024-02-01",
        },
    )
    unknown = pages.post(
        path,
        data={"csrf": pages.csrf(path), "programme": "NOPE", "on": "2024-02-01"},
    )

    assert answer.status_code == 422
    assert 'role="alert"' in answer.text and "16" in answer.text and "25" in answer.text
    assert unknown.status_code == 422
    assert "Kies" in unknown.text  # not one of the programmes offered


# The to-do list ---------------------------------------------------------------------


def test_the_to_do_list_leads_to_the_form_that_records_the_exit_result(
    pages: Pages,
) -> None:
    trajectory_id = taken_in(pages)
    completed = pages.post(
        f"/trajectories/{trajectory_id}/events",
        json={
            "type": "TrajectoryCompleted",
            "on": "2024-06-28",
            "destination": "employed",
        },
        headers=api(pages, Role.STAFF),
    )
    assert completed.status_code == 201, completed.text
    pages.sign_in(Role.STAFF)

    page = pages.get(
        "/ui/todo", params={"on": "2024-07-08", "kind": "exit_result"}
    ).text

    assert "Uitstroomresultaat te registreren" in page
    assert "26/07/2024" in page and "nog 18 dagen" in page
    link = f"/ui/trajectories/{trajectory_id}?record=ExitResultRecorded#record"
    assert link in page


def test_an_intake_past_its_norm_is_overdue_on_the_list_not_closed(
    pages: Pages,
) -> None:
    # The norm for an intake is 30 days after the referral (2024-02-01); unlike an
    # exit result's window, it can still be recorded after that.
    staff = api(pages, Role.STAFF)
    referred = pages.post(
        "/trajectories", json=referral_body(participant(pages)), headers=staff
    )
    assert referred.status_code == 201, referred.text
    pages.sign_in(Role.STAFF)

    page = pages.get("/ui/todo", params={"on": "2024-03-12", "kind": "intake"}).text
    listed = page.split("<table")[1]

    assert "10 dagen te laat" in listed
    assert "gesloten" not in listed
    assert "De intake registreren" in listed


# Group sessions ---------------------------------------------------------------------


def hold(pages: Pages, trajectory_ids: list[str]) -> Any:
    path = "/ui/group-sessions/new"
    form: dict[str, Any] = {
        "csrf": pages.csrf(path),
        "on": "2024-03-05",
        "minutes": "120",
        "mode": "job_workshop",
        "setting": "office",
        "note": "jobatelier",
        "trajectory_ids": trajectory_ids,
    }
    return pages.post("/ui/group-sessions", data=form, follow_redirects=False)


def test_a_group_session_is_one_form_for_several_participants(pages: Pages) -> None:
    ids = [taken_in(pages) for _ in range(3)]
    pages.sign_in(Role.STAFF)

    answer = hold(pages, ids)

    assert answer.status_code == 303, answer.text
    page = pages.get(answer.headers["location"]).text
    assert "De groepssessie is geregistreerd" in page
    assert page.count("Lotte Claes") == 3
    for trajectory_id in ids:
        assert f"/ui/trajectories/{trajectory_id}" in page


def test_a_group_session_one_cannot_join_is_refused_naming_them(pages: Pages) -> None:
    ids = [taken_in(pages) for _ in range(2)]
    suspended = pages.post(
        f"/trajectories/{ids[1]}/events",
        json={"type": "TrajectorySuspended", "on": "2024-03-01", "reason": "care"},
        headers=api(pages, Role.STAFF),
    )
    assert suspended.status_code == 201, suspended.text
    pages.sign_in(Role.STAFF)

    answer = hold(pages, ids)

    assert answer.status_code == 422
    assert "Lotte Claes kan niet deelnemen" in answer.text
    history = pages.get(
        f"/trajectories/{ids[0]}/history", headers=api(pages, Role.STAFF)
    ).json()
    assert [e["type"] for e in history][-1] == "IntakeCompleted"


def test_a_group_session_of_one_participant_is_refused_in_the_page_s_words(
    pages: Pages,
) -> None:
    ids = [taken_in(pages) for _ in range(3)]
    pages.sign_in(Role.STAFF)

    answer = hold(pages, ids[:1])

    assert answer.status_code == 422
    assert "Er zijn er te weinig gekozen." in answer.text
    assert "List should have" not in answer.text


# Coaches ----------------------------------------------------------------------------


def test_an_admin_registers_a_coach_and_records_that_one_left(pages: Pages) -> None:
    pages.sign_in(Role.ADMIN)
    path = "/ui/coaches"

    registered = pages.post(
        path,
        data={
            "csrf": pages.csrf(path),
            "name": "Mieke Janssens",
            "organisation": ORGANISATION,
        },
        follow_redirects=False,
    )
    again = pages.post(
        path,
        data={
            "csrf": pages.csrf(path),
            "name": "mieke janssens",
            "organisation": ORGANISATION,
        },
    )
    left = pages.post(
        f"{path}/{coach_id('Mieke Janssens')}/leave",
        data={"csrf": pages.csrf(path), "on": "2024-06-30"},
        follow_redirects=False,
    )

    assert registered.status_code == 303, registered.text
    assert again.status_code == 422 and "is al trajectbegeleider" in again.text
    assert left.status_code == 303
    assert "vertrokken op 30/06/2024" in pages.get(path).text


def test_staff_see_their_organisation_s_coaches_without_the_forms(pages: Pages) -> None:
    pages.sign_in(Role.STAFF)

    page = pages.get("/ui/coaches").text

    assert "Hilde" in page and ORGANISATION in page
    assert "Een trajectbegeleider registreren" not in page
