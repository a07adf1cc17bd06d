"""The programme pages: the catalogue for everyone, a programme's period over time,
and the admin's form that changes it."""

from typing import Any

import pytest

from application.access import Role
from tests.interfaces.helpers import PROGRAMME
from tests.interfaces.web.conftest import Pages

PATH = f"/ui/programmes/{PROGRAMME}"


def change(pages: Pages, **fields: Any) -> Any:
    form = {"csrf": pages.csrf(PATH), **fields}
    return pages.post(f"{PATH}/period", data=form, follow_redirects=False)


def test_the_catalogue_lists_each_programme_with_its_period(pages: Pages) -> None:
    pages.sign_in(Role.STAFF)

    answer = pages.get("/ui/programmes")

    assert answer.status_code == 200
    assert PROGRAMME in answer.text
    assert "01/04/2023 – 30/09/2025" in answer.text
    assert "Change the period" not in answer.text


def test_an_admin_extends_a_period_and_the_page_shows_it_from_its_day(
    pages: Pages,
) -> None:
    pages.sign_in(Role.ADMIN)

    answer = change(
        pages, on="2025-06-12", ends_on="2026-06-30", reason="verlengd door ESF"
    )

    assert answer.status_code == 303
    assert answer.headers["location"] == f"{PATH}?changed=true#period"
    page = pages.get(answer.headers["location"]).text
    assert "De looptijd is gewijzigd." in page
    assert "12/06/2025</th>" in page and "30/06/2026" in page


def test_a_period_left_without_an_end_reads_as_no_end_yet(pages: Pages) -> None:
    pages.sign_in(Role.ADMIN)

    answer = change(pages, on="2025-06-12", ends_on="", reason="loopt door")

    assert answer.status_code == 303
    assert "nog geen einde" in pages.get(PATH).text


@pytest.mark.parametrize(
    ("fields", "shown"),
    [
        (
            {"on": "2025-06-12", "ends_on": "2025-09-30", "reason": "niets"},
            "De wijziging laat het einde en het budget van het programma zoals ze "
            "waren",
        ),
        ({"on": "2025-06-12", "ends_on": "2026-01-01"}, "Vul dit in."),
        ({"on": "12 juni", "ends_on": "", "reason": "x"}, "Dit is geen datum."),
        ({"on": "2025-06-12", "reason": "x", "budget": "veel"}, "Dit is geen getal."),
    ],
)
def test_a_refused_change_shows_the_form_again_with_why(
    pages: Pages, fields: dict[str, str], shown: str
) -> None:
    pages.sign_in(Role.ADMIN)

    answer = change(pages, **fields)

    assert answer.status_code == 422
    assert shown in answer.text
    assert 'role="alert"' in answer.text
    assert "12/06/2025</th>" not in pages.get(PATH).text


@pytest.mark.parametrize("role", [Role.STAFF, Role.AUDITOR, Role.EVALUATOR])
def test_only_an_admin_sees_the_form_and_may_post_it(pages: Pages, role: Role) -> None:
    pages.sign_in(role)

    page = pages.get(PATH)
    answer = change(pages, on="2025-06-12", ends_on="", reason="x")

    assert page.status_code == 200
    assert "De looptijd wijzigen" not in page.text
    assert answer.status_code == 403


def test_an_unknown_programme_is_a_page_that_says_so(pages: Pages) -> None:
    pages.sign_in(Role.ADMIN)

    answer = pages.get("/ui/programmes/NOPE")

    assert answer.status_code == 404
    assert "NOPE" in answer.text
