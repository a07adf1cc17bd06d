"""Importing an organisation's records: every row through the commands and rules of
the API, each trajectory whole or not at all, nothing twice, every refusal named."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from application.import_parts import batches
from application.service import Trajectories
from application.views import Views
from domain.commands import RegisterParticipant
from domain.enrolment import Enrolment
from domain.vocabulary import Gender
from interfaces.records.columns import columns
from interfaces.records.export import rows_of
from interfaces.records.files import FileRefused
from interfaces.records.files import Format
from interfaces.records.files import read_table
from interfaces.records.files import write_table
from interfaces.records.parallel import import_groups
from interfaces.records.report import Summary
from interfaces.records.report import summary
from interfaces.records.rows import plan
from interfaces.records.template import template
from tests.service_builders import ORGANISATION
from tests.service_builders import PROGRAMME
from tests.service_builders import reads_of
from tests.service_builders import register_buso_programme


def number_for(birth: date, serial: int) -> str:
    """A valid national register number for someone born on ``birth``."""
    first = f"{birth:%y%m%d}{serial:03d}"
    base = int(("2" if birth.year >= 2000 else "") + first)
    return f"{first}{97 - base % 97:02d}"


LOTTE = {
    "given_name": "Lotte",
    "family_name": "Claes",
    "birth_date": "14/03/2005",
    "gender": "F",
    "national_register_number": number_for(date(2005, 3, 14), 123),
}
JAN = {
    "given_name": "Jan",
    "family_name": "Peeters",
    "birth_date": "2004-01-01",
    "gender": "M",
}


def referral(trajectory: str, person: dict[str, str], on: str) -> dict[str, str]:
    return {
        "trajectory": trajectory,
        "event": "ReferralReceived",
        **person,
        "organisation": ORGANISATION,
        "programme": PROGRAMME,
        "referral_source": "school",
        "on": on,
    }


def intake(trajectory: str, on: str, **more: str) -> dict[str, str]:
    return {
        "trajectory": trajectory,
        "event": "IntakeCompleted",
        "on": on,
        "coach": "Mieke Janssens",
        "rung": "3",
        "labour_status": "unemployed",
        "education_level": "Middengeschoold (ISCED 3-4)",  # a label, in Dutch
        "barriers": "mobility, debt_income",
        "disability": "nee",
        "postcode": "9300",
        **more,
    }


def session(trajectory: str, on: str, **more: str) -> dict[str, str]:
    return {
        "trajectory": trajectory,
        "event": "SessionHeld",
        "on": on,
        "minutes": "60",
        "mode": "individual",
        "setting": "office",
        "note": "Eerste gesprek",
        **more,
    }


GOOD = [
    referral("T1", LOTTE, "01/02/2024"),
    intake("T1", "12/02/2024"),
    session("T1", "20/02/2024"),
    referral("T2", JAN, "2024-03-01"),
    intake("T2", "2024-03-12"),
]


def csv_of(rows: list[dict[str, str]], separator: str = ";") -> bytes:
    header = list(dict.fromkeys(k for row in rows for k in row))
    lines = [separator.join(header)]
    lines += [separator.join(row.get(c, "") for c in header) for row in rows]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


def run(
    service: Trajectories,
    content: bytes,
    format: Format = "csv",
    *,
    dry_run: bool = False,
) -> Summary:
    planned = plan(read_table(content, format))
    report = service.import_trajectories(
        planned.incoming, recorded_by="import", dry_run=dry_run
    )
    return summary(planned, report, "en")


def stored_events(service: Trajectories) -> int:
    return service.recorder.max_notification_id() or 0


@pytest.fixture
def programme(service: Trajectories) -> Trajectories:
    register_buso_programme(service)
    return service


def test_a_file_s_trajectories_are_stored_with_their_participants_and_coach(
    programme: Trajectories,
) -> None:
    service = programme

    result = run(service, csv_of(GOOD))

    assert (result.stored, result.refused, result.events) == (2, 0, 5)
    assert result.participants_registered == 2
    assert result.coaches_registered == ["Mieke Janssens"]
    histories = list(service.histories_of(ORGANISATION, personal_data=True))
    assert [len(h.events) for h in histories] == [3, 2]
    lotte = histories[0].participant
    assert lotte is not None
    assert (lotte.given_name, lotte.birth_date) == ("Lotte", date(2005, 3, 14))
    assert lotte.national_register_number == LOTTE["national_register_number"]
    intake_event = histories[0].events[1]
    assert intake_event.coach == "Mieke Janssens"
    assert sorted(b.value for b in intake_event.barriers) == ["debt_income", "mobility"]
    assert histories[0].events[2].note == "Eerste gesprek"


def test_a_dry_run_reports_the_same_and_stores_nothing(
    programme: Trajectories,
) -> None:
    service = programme
    before = stored_events(service)

    result = run(service, csv_of(GOOD), dry_run=True)

    assert (result.dry_run, result.stored, result.events) == (True, 2, 5)
    assert result.coaches_registered == ["Mieke Janssens"]
    assert stored_events(service) == before
    assert service.coaches_of(ORGANISATION) == []


def test_importing_the_same_file_again_records_nothing_twice(
    programme: Trajectories,
) -> None:
    service = programme
    run(service, csv_of(GOOD))
    before = stored_events(service)

    again = run(service, csv_of(GOOD))

    assert (again.stored, again.unchanged, again.events) == (0, 2, 0)
    assert again.participants_registered == 0
    assert stored_events(service) == before


def test_a_longer_file_adds_only_its_new_rows(programme: Trajectories) -> None:
    service = programme
    run(service, csv_of(GOOD))

    longer = run(service, csv_of([*GOOD, session("T2", "2024-03-20")]))

    assert (longer.stored, longer.extended, longer.unchanged) == (0, 1, 1)
    assert longer.events == 1
    histories = list(service.histories_of(ORGANISATION, personal_data=False))
    assert [len(h.events) for h in histories] == [3, 3]


def test_a_file_that_differs_from_what_is_stored_is_refused_for_that_trajectory(
    programme: Trajectories,
) -> None:
    service = programme
    run(service, csv_of(GOOD))
    changed = [*GOOD[:2], session("T1", "2024-02-13"), *GOOD[3:]]
    changed[2] = {**changed[2], "event": "LadderAssessed", "rung": "4"}

    result = run(service, csv_of(changed))

    assert (result.refused, result.unchanged) == (1, 1)
    (problem,) = result.problems
    assert (problem.trajectory, problem.row, problem.code) == (
        "T1",
        4,
        "import_differs_from_stored",
    )


def test_a_participant_registered_before_is_found_by_national_number(
    programme: Trajectories,
) -> None:
    service = programme
    known = service.register_participant(
        RegisterParticipant(
            given_name="Lotte",
            family_name="Claes-Janssens",  # another spelling: the number decides
            birth_date=date(2005, 3, 14),
            gender=Gender.F,
            national_register_number=LOTTE["national_register_number"],
        ),
        recorded_by="Hilde",
        organisation=ORGANISATION,
    ).id

    result = run(service, csv_of(GOOD[:3]))

    assert (result.stored, result.participants_registered) == (1, 0)
    (history,) = service.histories_of(ORGANISATION, personal_data=False)
    assert history.participant_id == known


def test_good_and_bad_trajectories_in_one_file_each_go_their_own_way(
    programme: Trajectories,
) -> None:
    service = programme
    bad_intake = intake("T2", "2024-02-12")  # before its referral
    rows = [*GOOD[:3], GOOD[3], bad_intake, session("T2", "2024-03-20")]
    rows.append(referral("T3", {**JAN, "given_name": ""}, "2024-04-01"))
    rows.append(intake("T3", "2024-04-40", rung="9", postcode="93"))

    result = run(service, csv_of(rows))

    assert (result.stored, result.refused, result.events) == (1, 2, 3)
    assert [(p.trajectory, p.row, p.column) for p in result.problems] == [
        ("T2", 6, "on"),
        ("T3", 8, "given_name"),
        ("T3", 9, "on"),
        ("T3", 9, "postcode"),
        ("T3", 9, "rung"),
    ]
    assert result.problems[0].problem == (
        "Intake on 2024-02-12 is before the referral on 2024-03-01"
    )
    assert result.problems[1].problem == "Fill this in."
    histories = list(service.histories_of(ORGANISATION, personal_data=True))
    assert [len(h.events) for h in histories] == [3]  # nothing of T2 or T3
    names = {h.participant.given_name for h in histories if h.participant}
    assert names == {"Lotte"}


def test_the_report_speaks_dutch(programme: Trajectories) -> None:
    service = programme
    rows = [referral("T1", LOTTE, "2024-02-01"), intake("T1", "2024-01-12")]
    planned = plan(read_table(csv_of(rows), "csv"))

    report = service.import_trajectories(
        planned.incoming, recorded_by="import", dry_run=True
    )

    (problem,) = summary(planned, report, "nl").problems
    assert problem.column == "on"
    assert "12/01/2024" in problem.problem and "01/02/2024" in problem.problem


@pytest.mark.parametrize("separator", [";", ",", "\t"])
def test_csv_with_any_usual_separator(programme: Trajectories, separator: str) -> None:
    rows = [{k: v for k, v in row.items() if k != "barriers"} for row in GOOD]

    result = run(programme, csv_of(rows, separator))

    assert (result.stored, result.refused) == (2, 0)


def test_a_workbook_with_date_cells_and_excel_serial_numbers(
    programme: Trajectories,
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    header = list(dict.fromkeys(k for row in GOOD for k in row))
    sheet.append(header)
    for row in GOOD:
        cells: list[Any] = [row.get(c) for c in header]
        sheet.append(cells)
    sheet.cell(row=2, column=header.index("on") + 1, value=date(2024, 2, 1))
    sheet.cell(row=3, column=header.index("on") + 1, value=45334)  # 2024-02-12
    sheet.cell(row=3, column=header.index("rung") + 1, value=3)
    sheet.cell(row=3, column=header.index("disability") + 1, value=False)
    out = io.BytesIO()
    book.save(out)

    result = run(programme, out.getvalue(), "xlsx")

    assert (result.stored, result.refused) == (2, 0)
    history = next(iter(programme.histories_of(ORGANISATION, personal_data=False)))
    assert [e.on for e in history.events[:2]] == [date(2024, 2, 1), date(2024, 2, 12)]


def test_json_lines_with_typed_values(programme: Trajectories) -> None:
    typed: list[dict[str, Any]] = [dict(row) for row in GOOD]
    typed[1].update(rung=3, disability=False, barriers=["mobility", "debt_income"])
    content = "".join(json.dumps(row) + "\n" for row in typed).encode()

    result = run(programme, content, "jsonl")

    assert (result.stored, result.refused, result.events) == (2, 0, 5)


UNREADABLE: list[tuple[bytes, Format, str]] = [
    ("trajectory;event\nT1;Referral\xe9\n".encode("latin-1"), "csv", "UTF-8"),
    (b"trajectory event\nT1 x\n", "csv", "separated"),
    (b"trajectory;event;colour\nT1;x;red\n", "csv", "Unknown columns: colour"),
    (b"trajectory;trajectory;event\n", "csv", "twice"),
    (b"event;on\nx;2024-01-01\n", "csv", "column trajectory is missing"),
    (b"trajectory;event;note\nT1;x;=HYPERLINK(1)\n", "csv", "formula"),
    (b"trajectory;event\nT1;x;y\n", "csv", "more cells"),
    (b"", "csv", "empty"),
    (b"not a workbook", "xlsx", "not an XLSX"),
    (b'{"trajectory": "T1", "event": "x"}\n[1]\n', "jsonl", "Line 2 is not a"),
    (b'{"trajectory": "T1", \n', "jsonl", "Line 1 is not JSON"),
    (
        b'{"trajectory": "T1", "event": "x", "note": [["a"], "b"]}',
        "jsonl",
        "Row 1, column note holds a list within a list",
    ),
    (
        b'{"trajectory": "T1", "note": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "jsonl",
        "Line 1 nests its values too deeply",
    ),
]


@pytest.mark.parametrize(("content", "format", "says"), UNREADABLE)
def test_a_file_that_cannot_be_read_is_refused_whole_with_its_reason(
    content: bytes, format: Format, says: str
) -> None:
    with pytest.raises(FileRefused) as refused:
        read_table(content, format)

    assert says in str(refused.value)


def test_a_formula_in_a_workbook_is_refused(programme: Trajectories) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["trajectory", "event", "rung"])
    sheet.append(["T1", "LadderAssessed", "=1+2"])
    out = io.BytesIO()
    book.save(out)

    with pytest.raises(FileRefused) as refused:
        read_table(out.getvalue(), "xlsx")

    assert str(refused.value) == (
        "Row 2, column rung holds a formula: type its value instead."
    )


def test_a_trajectory_without_its_referral_first_is_refused(
    programme: Trajectories,
) -> None:
    result = run(programme, csv_of([GOOD[1], GOOD[0]]))

    assert (result.stored, result.refused) == (0, 1)
    assert [(p.row, p.column) for p in result.problems] == [(2, "event")]


def test_an_export_imported_into_an_empty_store_gives_the_same_histories(
    programme: Trajectories, tmp_path: Any
) -> None:
    service = programme
    rows = [
        *GOOD,
        {
            "trajectory": "T1",
            "event": "PlacementStarted",
            "on": "2024-03-01",
            "placement": "P1",
            "placement_type": "regular_job",
            "employer": "Bakkerij De Smet",
            "paid": "ja",
            "hours_per_week": "19,5",
        },
        {
            "trajectory": "T1",
            "event": "PlacementEnded",
            "on": "2024-05-31",
            "placement": "P1",
            "reason": "converted_to_regular_contract",
        },
        {
            "trajectory": "T1",
            "event": "EntryRetracted",
            "on": "2024-06-01",
            "version": "3",
            "reason": "the session was another participant's",
        },
    ]
    assert run(service, csv_of(rows)).refused == 0
    exported = [
        row
        for history in service.histories_of(ORGANISATION, personal_data=True)
        for row in rows_of(history)
    ]
    figures = _outcomes(service)
    assert "BUSO-AALST" in figures  # the figures hold the imported trajectories
    for format in ("csv", "xlsx", "jsonl"):
        content = write_table(columns(), exported, format, date(2026, 12, 6))
        other = Trajectories(
            type(service.settings)(
                database_url=f"sqlite:///{tmp_path}/{format}.db",
                master_key=service.settings.master_key,
            )
        )
        try:
            register_buso_programme(other)
            result = run(other, content, format)
            assert (result.stored, result.refused, result.events) == (2, 0, 8)
            again = [
                row
                for history in other.histories_of(ORGANISATION, personal_data=True)
                for row in rows_of(history)
            ]
            assert _outcomes(other) == figures  # the same outcomes
        finally:
            other.close()
        assert _without_ids(again) == _without_ids(exported)


def _outcomes(service: Trajectories) -> str:
    """The outcome figures by programme and cohort, as an evaluator's CSV, every
    figure shown."""
    views = Views(service)
    try:
        views.catch_up()
        return views.outcome_table(["programme", "cohort"], suppress=False).csv()
    finally:
        views.stop()


def _without_ids(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with their trajectory's and participant's ids as their places in
    the file."""
    order = list(dict.fromkeys(row["trajectory"] for row in rows))
    people = list(
        dict.fromkeys(row["participant"] for row in rows if "participant" in row)
    )
    return [
        {
            **row,
            "trajectory": order.index(row["trajectory"]),
            **(
                {"participant": people.index(row["participant"])}
                if "participant" in row
                else {}
            ),
        }
        for row in rows
    ]


def test_two_people_alike_are_kept_apart_by_the_file_s_references(
    programme: Trajectories,
) -> None:
    # Given two people of the same name and birth date, without a number, each
    # with a trajectory in the programme at the same time
    service = programme
    rows = [
        {**referral("T1", JAN, "2024-03-01"), "participant": "P-1"},
        intake("T1", "2024-03-12"),
        {**referral("T2", JAN, "2024-03-04"), "participant": "P-2"},
        intake("T2", "2024-03-14"),
    ]

    first = run(service, csv_of(rows))
    again = run(service, csv_of(rows))

    assert (first.stored, first.refused, first.participants_registered) == (2, 0, 2)
    assert (again.unchanged, again.stored, again.participants_registered) == (2, 0, 0)
    people = {
        h.participant_id
        for h in service.histories_of(ORGANISATION, personal_data=False)
    }
    assert len(people) == 2


def test_without_references_two_rows_alike_are_one_person(
    programme: Trajectories,
) -> None:
    rows = [
        referral("T1", JAN, "2024-03-01"),
        intake("T1", "2024-03-12"),
        referral("T2", JAN, "2024-03-04"),  # the same person: already open
    ]

    result = run(programme, csv_of(rows))

    assert (result.stored, result.refused) == (1, 1)
    assert result.problems[0].code == "open_trajectory_exists"


@pytest.mark.parametrize("format", ["csv", "xlsx", "jsonl"])
def test_the_template_is_the_documented_file_and_imports_as_it_is(
    programme: Trajectories, format: Format
) -> None:
    documented = (
        Path(__file__).parents[2] / "docs" / "import" / f"trajectories.{format}"
    )

    assert documented.read_bytes() == template(format)  # else: make it again
    result = run(programme, documented.read_bytes(), format, dry_run=True)
    assert (result.stored, result.refused, result.events) == (1, 0, 10)


def test_several_processes_import_what_one_does(
    programme: Trajectories, tmp_path: Path
) -> None:
    service = programme
    rows = [*GOOD]
    for number in range(3, 8):
        person = {**JAN, "given_name": f"Jan{'n' * number}"}
        rows += [referral(f"T{number}", person, "2024-03-01")]
        rows += [intake(f"T{number}", "2024-03-12", coach=f"Coach {number % 2}")]
    planned = plan(read_table(csv_of(rows), "csv"))

    report = import_groups(
        service.settings,
        batches(planned.incoming, 2),
        workers=2,
        recorded_by="import",
        dry_run=False,
        part=2,  # parts of two trajectories, so that both processes get some
    )

    assert (len(report.outcomes), len(report.refused), report.events) == (7, 0, 15)
    assert report.coaches == {"Mieke Janssens", "Coach 0", "Coach 1"}
    histories = list(service.histories_of(ORGANISATION, personal_data=False))
    assert sorted(len(h.events) for h in histories) == [2] * 6 + [3]
    assert len(service.coaches_of(ORGANISATION)) == 3


def test_text_marked_as_text_is_read_as_its_text_not_refused_as_a_formula() -> None:
    # Given a note that a spreadsheet export kept as text with a leading '
    content = b"trajectory;event;note\nT1;SessionHeld;'=HYPERLINK(1)\n"

    # When the file is read
    table = read_table(content, "csv")

    # Then the note is the text without its mark
    assert table.rows == [
        (2, {"trajectory": "T1", "event": "SessionHeld", "note": "=HYPERLINK(1)"})
    ]


def test_an_import_reads_no_enrolment_of_the_participants_it_registers(
    programme: Trajectories, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an empty store, its reads watched
    asked = reads_of(programme, monkeypatch)

    # When a file of two new participants is imported
    result = run(programme, csv_of(GOOD))

    # Then their enrolments were never looked for in the store: there can be none
    assert (result.stored, result.refused) == (2, 0)
    histories = list(programme.histories_of(ORGANISATION, personal_data=False))
    enrolments = {Enrolment.id_for(h.participant_id, PROGRAMME) for h in histories}
    assert len(enrolments) == 2 and not enrolments & set(asked)


def test_a_batch_reads_the_coaches_it_names_together_not_one_by_one(
    programme: Trajectories, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the coach the file names, registered before
    service = programme
    mieke = service.coaches.ensure("Mieke Janssens", ORGANISATION, recorded_by="a")
    asked = reads_of(service, monkeypatch)

    # When a file whose two intakes name her is imported
    result = run(service, csv_of(GOOD))

    # Then she was read with the batch's other coaches, not once per row
    assert (result.stored, result.refused) == (2, 0)
    assert result.coaches_registered == []
    assert mieke.id not in asked
    histories = service.histories_of(ORGANISATION, personal_data=False)
    assert [h.events[1].coach for h in histories] == [
        "Mieke Janssens",
        "Mieke Janssens",
    ]


def test_a_coach_named_in_two_spellings_is_registered_once_as_first_named(
    programme: Trajectories,
) -> None:
    # Given a file whose intakes name one coach in two spellings
    rows = [
        referral("T1", LOTTE, "01/02/2024"),
        intake("T1", "12/02/2024", coach="Mieke Janssens"),
        referral("T2", JAN, "2024-03-01"),
        intake("T2", "2024-03-12", coach="MIEKE JANSSENS"),
    ]

    # When it is imported
    result = run(programme, csv_of(rows))

    # Then she is registered once, as the file first names her
    assert (result.stored, result.refused) == (2, 0)
    assert result.coaches_registered == ["Mieke Janssens"]
    assert [c.name for c in programme.coaches_of(ORGANISATION)] == ["Mieke Janssens"]
