"""The admin's import page: a file checked first by default, followed to its result,
then imported for real; a refused row named in the page's language; wrong input
refused with words, nothing stored."""

import re
from uuid import UUID

from application.access import Role
from interfaces.records.template import template
from tests.interfaces.web.conftest import Pages

PATH = "/ui/import"


def sent(
    pages: Pages, content: bytes, name: str = "trajectories.csv", **fields: str
) -> object:
    form = {"csrf": pages.csrf(PATH), **fields}
    return pages.post(
        PATH, data=form, files={"file": (name, content)}, follow_redirects=False
    )


def job_page(pages: Pages, answer: object) -> str:
    location = answer.headers["location"]  # type: ignore[attr-defined]
    import_id = UUID(location.rsplit("/", 1)[1])
    pages.app.state.imports.wait(import_id)  # type: ignore[attr-defined]
    page = pages.get(location)
    assert page.status_code == 200
    return str(page.text)


def stored_trajectories(pages: Pages) -> int:
    service = pages.app.state.service  # type: ignore[attr-defined]
    return len(list(service.histories_of(None, personal_data=False)))


def test_a_check_then_the_same_file_for_real(pages: Pages) -> None:
    pages.sign_in(Role.ADMIN)
    before = stored_trajectories(pages)

    checked = sent(pages, template("csv"), dry_run="true")
    check = job_page(pages, checked)

    assert checked.status_code == 303  # type: ignore[attr-defined]
    assert "Controle van trajectories.csv" in check
    assert "Nieuwe trajecten: 1" in check and "Gebeurtenissen: 10" in check
    assert stored_trajectories(pages) == before
    action = re.search(r'action="(/ui/import/[^"]+/real)"', check)
    assert action, "a clean check offers the real import"

    real = pages.post(
        action.group(1), data={"csrf": pages.csrf(PATH)}, follow_redirects=False
    )
    imported = job_page(pages, real)

    assert "Import van trajectories.csv" in imported
    assert "Geïmporteerd." in imported and "Nieuwe trajecten: 1" in imported
    assert stored_trajectories(pages) == before + 1
    assert "trajectories.csv" in pages.get(PATH).text  # among the recent imports


def test_a_refused_row_is_named_by_trajectory_row_and_column(pages: Pages) -> None:
    pages.sign_in(Role.ADMIN)
    pages.cookies.set("trajectory_language", "en")
    rows = template("csv").decode("utf-8-sig").splitlines()
    rows[2] = rows[2].replace("2024-02-12", "2024-01-12")  # intake before referral

    page = job_page(pages, sent(pages, "\n".join(rows).encode()))  # for real

    assert "Refused trajectories: 1" in page
    assert re.search(
        r"<th scope=\"row\">BUSO-2024-017</th>\s*<td>3</td>\s*<td>Date</td>\s*"
        r"<td>Intake on 2024-01-12 is before the referral on 2024-02-01</td>",
        page,
    ), page


def test_wrong_input_is_refused_with_words_and_nothing_stored(pages: Pages) -> None:
    pages.sign_in(Role.ADMIN)
    before = stored_trajectories(pages)
    formula = b"trajectory;event;note\nT1;SessionHeld;=1+1\n"

    no_file = pages.post(
        PATH, data={"csrf": pages.csrf(PATH)}, files={"file": ("", b"")}
    )
    unreadable = sent(pages, formula)
    other_organisation = sent(pages, template("csv"), organisation="Nobody")

    assert no_file.status_code == 422
    assert "Kies een bestand: CSV, XLSX of JSON Lines." in no_file.text
    assert unreadable.status_code == 422  # type: ignore[attr-defined]
    assert "Rij 2, kolom note bevat een formule" in unreadable.text  # type: ignore[attr-defined]
    assert other_organisation.status_code == 422  # type: ignore[attr-defined]
    assert stored_trajectories(pages) == before


def test_the_page_and_its_templates_are_an_admin_s(pages: Pages) -> None:
    pages.sign_in(Role.STAFF)
    staff = pages.get(PATH)
    pages.sign_in(Role.ADMIN)
    admin = pages.get(PATH)
    workbook = pages.get(f"{PATH}/template.xlsx")

    assert staff.status_code == 403
    assert admin.status_code == 200
    assert 'enctype="multipart/form-data"' in admin.text
    assert re.search(r'id="dry_run"[^>]*checked', admin.text), "a check by default"
    assert workbook.content == template("xlsx")
