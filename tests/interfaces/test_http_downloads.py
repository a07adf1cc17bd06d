"""The downloads over HTTP: the outcome tables as an XLSX workbook and as CSV for a
Belgian spreadsheet, and the ESF+ report as JSON, XLSX and that CSV; each file
opened again and compared to the JSON answer of the same figures."""

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from application.access import Role
from application.projections.outcomes.queries import figure_names
from application.reports.indicators import COLUMNS
from application.views import Views
from tests.interfaces.helpers import PROGRAMME
from tests.interfaces.helpers import as_role
from tests.interfaces.helpers import dropout
from tests.interfaces.helpers import intake
from tests.interfaces.helpers import placement
from tests.interfaces.helpers import recorded
from tests.interfaces.helpers import refer
from tests.interfaces.helpers import register_programme

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROGRAMME_NAME = "Van BUSO naar begeleid werken"


def views_of(client: TestClient) -> Views:
    views: Views = client.app.state.views  # type: ignore[attr-defined]
    return views


@pytest.fixture
def seven(client: TestClient) -> TestClient:
    """Seven trajectories of the programme, referred in February 2024: two placed,
    one dropped out (lost contact)."""
    register_programme(client)
    for number in range(7):
        events: list[dict[str, Any]] = [intake()]
        if number < 2:
            events.append(placement())
        if number == 6:
            events.append(dropout())
        recorded(client, refer(client), *events)
    views_of(client).wait()
    return client


def sheet_rows(sheet: Worksheet) -> list[list[Any]]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def json_value(row: dict[str, Any], name: str) -> Any:
    """A figure as the JSON answer gives it: its mark where withheld."""
    if name in row["withheld"]:
        return row["withheld"][name]
    if name.startswith("dropout_rate_") and name != "dropout_rate":
        return row["figures"]["dropout_rate_by_reason"].get(
            name.removeprefix("dropout_rate_")
        )
    return row["figures"].get(name)


def opened(client: TestClient, url: str, role: Role, **params: str) -> Any:
    answer = client.get(url, params=params, headers=as_role(client, role))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == XLSX
    return load_workbook(io.BytesIO(answer.content))


# The outcome workbook ------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.EVALUATOR])
def test_the_workbooks_cells_are_the_json_figures(
    seven: TestClient, role: Role
) -> None:
    book = opened(seven, "/outcomes/spreadsheet.xlsx", role)
    body = seven.get(
        "/outcomes", params={"group_by": "programme"}, headers=as_role(seven, role)
    ).json()

    assert book.sheetnames == [
        "Alle trajecten",
        "Per cohorte",
        "Per project",
        "Over deze cijfers",
        "Definities",
    ]
    header, *cells = sheet_rows(book["Per project"])
    [row] = body["rows"]
    [line] = cells
    assert header[:4] == ["Project", "Toeleidingen", "Intakes", "Geplaatst"]
    assert line[0] == PROGRAMME_NAME
    shown = dict(zip(figure_names(), line[1:], strict=True))
    assert shown == {name: json_value(row, name) for name in figure_names()}
    if role is Role.EVALUATOR:  # two placed: a small count, and its rate with it
        assert (shown["placed"], shown["placement_rate"]) == ("<5", "x")
    else:
        assert (shown["placed"], shown["placement_rate"]) == (2, 2 / 7)


def test_the_workbook_has_real_numbers_in_their_formats_and_frozen_headers(
    seven: TestClient,
) -> None:
    book = opened(seven, "/outcomes/spreadsheet.xlsx", Role.AUDITOR)
    sheet = book["Per project"]
    columns = {cell.value: cell for cell in sheet[1]}

    def below(header: str) -> Any:
        return sheet.cell(row=2, column=columns[header].column)

    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "B2"  # the header row and the group stay in view
    assert below("Toeleidingen").value == 7
    assert below("Toeleidingen").number_format == "#,##0"
    assert below("Plaatsingsgraad").value == pytest.approx(2 / 7)
    assert below("Plaatsingsgraad").number_format == "0.0%"
    assert below("Kost per deelnemer").number_format.endswith('"€"')
    definitions = sheet_rows(book["Definities"])
    assert definitions[0] == ["Cijfer", "Naam", "Definitie"]
    assert "intake_rate" in [row[1] for row in definitions]


def test_the_workbook_speaks_english_when_asked(seven: TestClient) -> None:
    book = opened(seven, "/outcomes/spreadsheet.xlsx", Role.AUDITOR, lang="en")

    assert book.sheetnames[:3] == ["All trajectories", "By cohort", "By programme"]
    assert sheet_rows(book["By programme"])[0][:3] == [
        "Programme",
        "Referrals",
        "Intakes",
    ]


# The CSV for a Belgian spreadsheet -----------------------------------------------


def test_the_belgian_csv_has_a_bom_semicolons_decimal_commas_and_labels(
    seven: TestClient,
) -> None:
    answer = seven.get(
        "/outcomes/spreadsheet.csv", headers=as_role(seven, Role.AUDITOR)
    )

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.content.startswith(b"\xef\xbb\xbf")
    text = answer.content.decode("utf-8").removeprefix("\ufeff")
    header, line = list(csv.reader(io.StringIO(text), delimiter=";"))
    record = dict(zip(header, line, strict=True))
    assert record["Project"] == PROGRAMME_NAME
    assert record["Toeleidingen"] == "7"
    assert record["Plaatsingsgraad"] == "28,57%"
    assert record["Kost per deelnemer"] == "17142,86"


def test_the_machine_csv_stays_as_it_was(seven: TestClient) -> None:
    first = seven.get(
        "/outcomes",
        params={"group_by": "programme"},
        headers={**as_role(seven, Role.AUDITOR), "Accept": "text/csv"},
    )

    header, line = first.text.splitlines()
    assert not first.content.startswith(b"\xef\xbb\xbf")
    assert header.startswith("programme,referrals,intakes,placed,")
    assert line.startswith(f"{PROGRAMME},7,7,2,")
    assert ",0.2857," in line


# The ESF+ report -----------------------------------------------------------------


def test_the_esf_report_answers_its_indicators_by_gender(seven: TestClient) -> None:
    answer = seven.get(
        "/reports/esf",
        params={"programme": PROGRAMME, "period": "2024"},
        headers=as_role(seven, Role.AUDITOR),
    )

    assert answer.status_code == 200, answer.text
    body = answer.json()
    lines = {line["code"]: line for line in body["indicators"]}
    assert (body["programme"], body["period"]["name"]) == (PROGRAMME, "2024")
    assert lines["participants"]["counts"]["total"] == 7
    assert lines["leavers"]["counts"]["total"] == 1
    assert body["not_recorded"]
    assert all(line["counted_from"] for line in body["indicators"])


def test_the_esf_workbook_and_csv_hold_the_json_counts(seven: TestClient) -> None:
    params = {"programme": PROGRAMME, "period": "2024"}
    auditor = as_role(seven, Role.AUDITOR)
    body = seven.get("/reports/esf", params=params, headers=auditor).json()
    book = opened(seven, "/reports/esf.xlsx", Role.AUDITOR, **params)
    answer = seven.get("/reports/esf.csv", params=params, headers=auditor)

    header, *rows = sheet_rows(book.worksheets[0])
    assert header[0] == "Indicator"
    by_code = {row[-1]: row for row in rows}
    for line in body["indicators"]:
        counts = by_code[line["code"]][2 : 2 + len(COLUMNS)]
        assert counts == [line["counts"][c] for c in COLUMNS], line["code"]
    not_recorded = sheet_rows(book["Niet geregistreerd"])[1:]
    assert len(not_recorded) == len(body["not_recorded"])

    assert answer.status_code == 200, answer.text
    assert answer.content.startswith(b"\xef\xbb\xbf")
    text = answer.content.decode("utf-8").removeprefix("\ufeff")
    table = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert table[0][:2] == ["Code", "Indicator"]
    participants = next(row for row in table if row[0] == "participants")
    assert participants[3 : 3 + len(COLUMNS)][-1] == "7"


def test_an_evaluators_esf_report_is_of_a_whole_year_and_programme(
    seven: TestClient,
) -> None:
    evaluator = as_role(seven, Role.EVALUATOR)
    of_a_quarter = seven.get(
        "/reports/esf",
        params={"programme": PROGRAMME, "period": "2024Q4"},
        headers=evaluator,
    )

    of_dates = seven.get(
        "/reports/esf",
        params={"programme": PROGRAMME, "period": "2024-01-01..2024-02-15"},
        headers=evaluator,
    )
    of_an_organisation = seven.get(
        "/reports/esf.xlsx",
        params={"programme": PROGRAMME, "period": "2024", "organisation": "X"},
        headers=evaluator,
    )
    whole = seven.get(
        "/reports/esf",
        params={"programme": PROGRAMME, "period": "2024"},
        headers=evaluator,
    ).json()

    assert of_dates.status_code == 422
    assert of_dates.json()["detail"]["code"] == "period_not_whole"
    assert of_a_quarter.status_code == 422
    assert of_a_quarter.json()["detail"]["code"] == "period_not_whole"
    assert "2024Q4" in of_a_quarter.json()["detail"]["message"]
    assert of_an_organisation.status_code == 403
    assert of_an_organisation.json()["detail"]["code"] == "organisation_for_evaluators"
    assert whole["disclosure_control"] is True
    assert whole["release_as_of"] == whole["as_of"]


def test_the_esf_report_refuses_a_bad_period_and_an_unknown_programme(
    seven: TestClient,
) -> None:
    auditor = as_role(seven, Role.AUDITOR)

    bad = seven.get(
        "/reports/esf.csv",
        params={"programme": PROGRAMME, "period": "2024Q5"},
        headers=auditor,
    )
    unknown = seven.get(
        "/reports/esf", params={"programme": "NOPE", "period": "2024"}, headers=auditor
    )

    assert bad.status_code == 422
    assert bad.json()["detail"]["code"] == "invalid_period"
    assert "2024Q5" in bad.json()["detail"]["message"]
    assert unknown.status_code == 404, unknown.text


def test_the_spreadsheets_refuse_bad_parameters_naming_them(client: TestClient) -> None:
    auditor = as_role(client, Role.AUDITOR)

    colour = client.get(
        "/outcomes/spreadsheet.xlsx", params={"group_by": "colour"}, headers=auditor
    )
    french = client.get(
        "/outcomes/spreadsheet.csv", params={"lang": "fr"}, headers=auditor
    )

    assert colour.status_code == 422
    assert "cannot group by colour" in colour.json()["detail"]["message"]
    assert french.status_code == 422
    assert "lang" in french.text


def test_an_evaluators_as_of_before_the_first_programme_is_a_422_naming_it(
    seven: TestClient,
) -> None:
    evaluator = as_role(seven, Role.EVALUATOR)

    answer = seven.get("/outcomes", params={"as_of": "0001-01-31"}, headers=evaluator)

    assert answer.status_code == 422
    assert answer.json()["detail"]["code"] == "as_of_before_programmes"
    assert "0001-01-31" in answer.json()["detail"]["message"]
