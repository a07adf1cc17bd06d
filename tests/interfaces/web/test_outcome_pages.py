"""The outcomes page as each role reads it, its definitions, labels and rebuild, and
its downloads: the workbook, the CSV for a Belgian spreadsheet and the funder's
report."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from openpyxl import load_workbook

from application.access import Role
from application.projections.outcomes.metrics import DEFINITIONS
from domain.vocabulary import ReferralSource
from interfaces.web.i18n import TEXTS
from interfaces.web.i18n import catalogue
from tests.interfaces.helpers import PROGRAMME
from tests.interfaces.helpers import participant_body
from tests.interfaces.helpers import referral_body
from tests.interfaces.web.conftest import Pages

OTHER = "Groep Intro"
BOM = "\ufeff"


@pytest.fixture
def two_organisations(pages: Pages) -> Pages:
    """Besides the fixture's referral of its organisation, two of another
    organisation in the same programme."""
    service = pages.app.state.service  # type: ignore[attr-defined]
    admin = {"Authorization": f"Bearer {pages.tokens[Role.ADMIN]}"}
    changed = pages.post(
        "/programmes",
        json={
            "code": "INTRO-AALST",
            "name": "Intro Aalst",
            "funder": "ESF+",
            "organisations": [OTHER],
            "starts_on": "2023-04-01",
            "ends_on": "2025-09-30",
            "budget": "50000.00",
            "min_age": 16,
            "max_age": 25,
        },
        headers=admin,
    )
    assert changed.is_success, changed.text
    token = service.tokens.create(role=Role.STAFF, name="intro", organisation=OTHER)[1]
    staff = {"Authorization": f"Bearer {token}"}
    for given in ("Noor", "Arne"):
        participant = pages.post(
            "/participants", json=participant_body(given_name=given), headers=staff
        ).json()["id"]
        referred = pages.post(
            "/trajectories",
            json=referral_body(
                participant, programme="INTRO-AALST", organisation=OTHER
            ),
            headers=staff,
        )
        assert referred.is_success, referred.text
    pages.app.state.views.wait()  # type: ignore[attr-defined]
    return pages


def funnel_figure(page: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}"[^>]*>([^<]*)<', page)
    assert match, f"no {name} in the funnel"
    return html.unescape(match.group(1))


# Who sees what --------------------------------------------------------------------


def test_staff_see_their_own_organisation_s_figures_unsuppressed(
    two_organisations: Pages,
) -> None:
    pages = two_organisations
    pages.sign_in(Role.STAFF)

    page = pages.get("/ui/outcomes").text

    assert "Enkel de trajecten van Werkburo Oost-Vlaanderen, alle cijfers." in page
    assert funnel_figure(page, "referrals") == "1"
    assert "Intro Aalst" not in page.split('id="downloads"')[0]
    assert 'id="view"' not in page  # the view's state is not theirs
    esf = page.split('id="esf-programme"')[1].split("</select>")[0]
    assert PROGRAMME in esf and "INTRO-AALST" not in esf


def test_auditors_see_every_organisation_s_figures_unsuppressed(
    two_organisations: Pages,
) -> None:
    pages = two_organisations
    pages.sign_in(Role.AUDITOR)

    page = pages.get("/ui/outcomes").text

    assert "De trajecten van alle organisaties, alle cijfers." in page
    assert funnel_figure(page, "referrals") == "3"
    assert 'id="view"' in page
    assert "Het resultatenoverzicht opnieuw opbouwen" not in page  # not theirs


def test_evaluators_see_small_counts_withheld_as_of_a_month_s_end(
    two_organisations: Pages,
) -> None:
    pages = two_organisations
    pages.sign_in(Role.EVALUATOR)

    page = pages.get("/ui/outcomes?group_by=programme").text

    assert "het einde van een maand" in page
    assert "Te weinig trajecten om te tonen: &lt;5." in page
    breakdown = page.split('class="breakdown')[1].split("</table>")[0]
    assert "&lt;5" in breakdown and ">3<" not in breakdown
    month_ends = re.findall(r'<option value="(\d{4}-\d{2}-\d{2})"', page)
    assert month_ends and all(
        d.endswith(("-28", "-29", "-30", "-31")) for d in month_ends
    )
    refused = pages.get("/ui/outcomes?as_of=2024-06-15")
    assert refused.status_code == 422
    assert "niet de laatste dag van een maand" in refused.text


# What the page shows ---------------------------------------------------------------


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_figure_has_its_definition_on_the_page_as_the_api_gives_it(
    pages: Pages, language: str
) -> None:
    pages.sign_in(Role.AUDITOR)
    if language == "en":
        pages.post("/ui/language", data={"language": "en", "back": "/ui/outcomes"})
    api = pages.get(
        "/outcomes/definitions",
        headers={"Authorization": f"Bearer {pages.tokens[Role.AUDITOR]}"},
    ).json()

    page = html.unescape(pages.get("/ui/outcomes").text)

    assert api == {d.name: d.text for d in DEFINITIONS}
    words = catalogue("nl") if language == "nl" else {}
    for definition in DEFINITIONS:
        assert f'id="def-{definition.name}"' in page
        assert words.get(definition.text, definition.text) in page, definition.name
    numerator = "Teller:" if language == "nl" else "Numerator:"
    denominator = "Noemer:" if language == "nl" else "Denominator:"
    assert page.count(numerator) == sum(1 for d in DEFINITIONS if d.numerator)
    assert denominator in page


def test_codes_are_shown_by_their_labels_and_the_unknown_province_is_explained(
    pages: Pages,
) -> None:
    pages.sign_in(Role.AUDITOR)
    pages.app.state.views.wait()  # type: ignore[attr-defined]
    dutch = TEXTS["nl"]

    by_source = pages.get("/ui/outcomes?group_by=referral_source").text
    by_province = pages.get("/ui/outcomes?group_by=province").text

    breakdown = by_source.split('class="breakdown')[1].split("</table>")[0]
    assert f'<th scope="row">{dutch.code(ReferralSource, "school")}<' in breakdown
    assert ">school<" not in breakdown
    assert "onbekend: geen intake" in by_province
    assert 'id="province-note"' in by_province
    assert "postcode die bij de intake geregistreerd werd" in by_province
    assert ">None<" not in by_province


# The rebuild ------------------------------------------------------------------------


def test_evaluators_rebuild_the_outcome_view_and_see_its_new_generation(
    pages: Pages,
) -> None:
    views = pages.app.state.views  # type: ignore[attr-defined]
    pages.sign_in(Role.EVALUATOR)
    before = views.view_status("outcomes").generation
    assert f"generatie {before}," in pages.get("/ui/outcomes").text

    answer = pages.post(
        "/ui/outcomes/rebuild",
        data={"csrf": pages.csrf("/ui/outcomes")},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert views.rebuilds["outcomes"].finished.wait(60)

    page = pages.get("/ui/outcomes").text
    assert views.view_status("outcomes").generation == before + 1
    assert f"nu generatie {before + 1}." in page  # the rebuild done, and its result


def test_a_second_rebuild_is_refused_while_one_runs(pages: Pages) -> None:
    views = pages.app.state.views  # type: ignore[attr-defined]
    pages.sign_in(Role.ADMIN)
    csrf = pages.csrf("/ui/outcomes")

    with views.projection("outcomes").view.rebuild_lock():
        answer = pages.post(
            "/ui/outcomes/rebuild", data={"csrf": csrf}, follow_redirects=False
        )

    assert answer.headers["location"].endswith("?rebuild=busy#view")
    assert "wordt al opnieuw opgebouwd" in pages.get(answer.headers["location"]).text


def test_staff_and_auditors_may_not_rebuild_the_outcome_view(pages: Pages) -> None:
    for role in (Role.STAFF, Role.AUDITOR):
        pages.sign_in(role)
        csrf = pages.csrf("/ui/outcomes" if role is Role.AUDITOR else "/ui/caseload")

        answer = pages.post("/ui/outcomes/rebuild", data={"csrf": csrf})

        assert answer.status_code == 403, role


# Downloads ----------------------------------------------------------------------------


def test_the_workbook_holds_the_page_s_tables_as_the_api_s_figures(
    two_organisations: Pages,
) -> None:
    pages = two_organisations
    pages.sign_in(Role.AUDITOR)
    api = pages.get(
        "/outcomes?group_by=programme",
        headers={"Authorization": f"Bearer {pages.tokens[Role.AUDITOR]}"},
    ).json()

    answer = pages.get("/ui/outcomes.xlsx?group_by=programme")

    assert answer.status_code == 200
    assert answer.headers["content-disposition"].endswith('.xlsx"')
    book = load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames[0] == "Alle trajecten"
    assert book.sheetnames[-1] == "Definities"
    sheet = book[book.sheetnames[2]]  # by programme
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["Project", "Toeleidingen", "Intakes"]
    assert sheet.freeze_panes == "B2"
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    for row in api["rows"]:
        name = {"INTRO-AALST": "Intro Aalst"}.get(row["group"]["programme"])
        line = rows[name or "Van BUSO naar begeleid werken"]
        for figure in ("referrals", "intakes", "intake_rate"):
            assert (
                line[header.index(TEXTS["nl"].label(figure))]
                == (row["figures"][figure])
            )
    rate = header.index(TEXTS["nl"].label("intake_rate")) + 1
    assert "%" in sheet.cell(row=2, column=rate).number_format


def test_the_csv_for_a_belgian_spreadsheet_has_labels_semicolons_and_a_bom(
    two_organisations: Pages,
) -> None:
    pages = two_organisations
    pages.sign_in(Role.AUDITOR)

    answer = pages.get("/ui/outcomes-spreadsheet.csv?group_by=programme")

    text = answer.content.decode("utf-8")
    assert text.startswith(BOM)
    lines = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert lines[0][:2] == ["Project", "Toeleidingen"]
    assert {line[0] for line in lines[1:]} == {
        "Van BUSO naar begeleid werken",
        "Intro Aalst",
    }
    rate = lines[0].index("Intakegraad")
    assert all(line[rate] == "0%" or "," in line[rate] for line in lines[1:])


def test_the_funder_s_report_downloads_in_the_page_s_language(
    pages: Pages,
) -> None:
    pages.sign_in(Role.AUDITOR)
    pages.app.state.views.wait()  # type: ignore[attr-defined]

    book = pages.get(f"/ui/outcomes/esf.xlsx?programme={PROGRAMME}&period=2024")
    sheet = pages.get(f"/ui/outcomes/esf.csv?programme={PROGRAMME}&period=2024Q1")

    assert book.status_code == 200
    opened = load_workbook(io.BytesIO(book.content))
    assert opened.sheetnames[:2] == [
        "ESF+-indicatoren",
        "Niet geregistreerd",
    ]
    assert sheet.headers["content-disposition"] == (
        f'attachment; filename="esf-{PROGRAMME}-2024Q1-'
        f"{sheet.headers['content-disposition'].split('2024Q1-')[1]}"
    )
    text = sheet.content.decode("utf-8")
    assert text.startswith(BOM)
    header = next(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert "Vrouwen" in header and "Totaal" in header


@pytest.mark.parametrize("period", ["2024-01-01..2024-03-31", "2024Q1"])
def test_an_evaluator_s_report_of_less_than_a_year_is_refused_in_plain_dutch(
    pages: Pages, period: str
) -> None:
    pages.sign_in(Role.EVALUATOR)

    answer = pages.get(f"/ui/outcomes/esf.csv?programme={PROGRAMME}&period={period}")

    assert answer.status_code == 422
    assert (
        "Het ESF+-rapport van een evaluator gaat over een volledig jaar" in answer.text
    )


def test_an_evaluator_is_offered_years_only_for_the_funder_s_report(
    pages: Pages,
) -> None:
    pages.sign_in(Role.EVALUATOR)

    page = pages.get("/ui/outcomes").text

    choice = page.split('id="esf-period"')[1].split("</select>")[0]
    values = re.findall(r'<option value="([^"]*)"', choice)
    assert values and all(re.fullmatch(r"\d{4}", value) for value in values)


@pytest.mark.parametrize(
    ("page", "api"),
    [
        ("/ui/outcomes.xlsx", "/outcomes/spreadsheet.xlsx"),
        ("/ui/outcomes-spreadsheet.csv", "/outcomes/spreadsheet.csv"),
    ],
)
def test_a_download_from_the_page_is_the_api_s_file_for_the_same_reader(
    two_organisations: Pages, page: str, api: str
) -> None:
    pages = two_organisations
    pages.sign_in(Role.STAFF)
    bearer = {"Authorization": f"Bearer {pages.tokens[Role.STAFF]}"}

    from_page = pages.get(f"{page}?group_by=referral_source")
    from_api = pages.get(f"{api}?group_by=referral_source&lang=nl", headers=bearer)

    assert from_page.status_code == from_api.status_code == 200
    assert from_page.content == from_api.content
    assert (
        from_page.headers["content-disposition"]
        == (from_api.headers["content-disposition"])
    )


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("nl", "de stand op 01/01/2999 ligt in de toekomst"),
        ("en", "the as-of date on 2999-01-01 is in the future"),
    ],
)
def test_a_date_still_to_come_is_refused_in_the_page_s_language(
    pages: Pages, language: str, words: str
) -> None:
    pages.sign_in(Role.AUDITOR)
    if language == "en":
        pages.post("/ui/language", data={"language": "en", "back": "/ui/outcomes"})

    refused = pages.get("/ui/outcomes?as_of=2999-01-01")
    offered = pages.get("/ui/outcomes").text

    assert refused.status_code == 422
    assert words in html.unescape(refused.text).lower()
    assert "as_of 2999" not in refused.text  # not the API's message
    assert re.search(r'id="as_of" name="as_of" max="\d{4}-\d{2}-\d{2}"', offered)
