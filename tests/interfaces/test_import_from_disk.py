"""The command line's import reads its file from disk twice and never holds it whole:
what it checks and stores is what reading the file whole gives, each participant's
trajectories are handed on as soon as their last row is read, and a file it cannot
read is refused for the same reasons."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from application.imports import Incoming
from application.service import Trajectories
from interfaces.records import files
from interfaces.records.files import FileRefused
from interfaces.records.files import Format
from interfaces.records.files import read_table
from interfaces.records.files import scan_file
from interfaces.records.parallel import import_groups
from interfaces.records.parallel import import_in_turn
from interfaces.records.report import file_problem
from interfaces.records.report import summary
from interfaces.records.rows import FilePlan
from interfaces.records.rows import plan
from tests.interfaces.test_import import GOOD
from tests.interfaces.test_import import JAN
from tests.interfaces.test_import import LOTTE
from tests.interfaces.test_import import UNREADABLE
from tests.interfaces.test_import import csv_of
from tests.interfaces.test_import import intake
from tests.interfaces.test_import import referral
from tests.interfaces.test_import import session
from tests.service_builders import ORGANISATION
from tests.service_builders import register_buso_programme

# Lotte's second trajectory (T9, after she dropped out of T1) comes after Jan's, her
# second row of it last; T2 has an intake before its referral, T3 a referral without
# a name, and one row names no trajectory.
MIXED = [
    *GOOD[:3],
    {"trajectory": "T1", "event": "DroppedOut", "on": "2024-05-01", "reason": "moved"},
    referral("T9", LOTTE, "2024-06-01"),
    GOOD[3],
    intake("T2", "2024-02-12"),
    referral("T3", {**JAN, "given_name": ""}, "2024-04-01"),
    {**session("", "2024-04-02")},
    intake("T9", "2024-06-10"),
]


def seen(incoming: Incoming) -> tuple[Any, ...]:
    return (
        incoming.reference,
        incoming.row,
        incoming.person,
        incoming.referral,
        tuple(incoming.steps),
        incoming.participant,
    )


def on_disk(tmp_path: Path, content: bytes, format: Format = "csv") -> Path:
    file = tmp_path / f"records.{format}"
    file.write_bytes(content)
    return file


def test_read_from_disk_a_file_gives_what_reading_it_whole_gives(
    tmp_path: Path,
) -> None:
    content = csv_of(MIXED)
    file = on_disk(tmp_path, content)

    whole = plan(read_table(content, "csv"))
    planned = FilePlan(lambda: scan_file(file, "csv"))
    groups = list(planned.groups())

    assert sorted(seen(i) for g in groups for i in g) == sorted(
        seen(i) for i in whole.incoming
    )
    assert sorted((r.reference, r.problems) for r in planned.refused) == sorted(
        (r.reference, r.problems) for r in whole.refused
    )
    assert planned.trajectories == 4  # T1, T9, T2, T3 (not the row without one)
    # Jan's is handed on at its last row; Lotte's two trajectories travel together,
    # whatever lies between them (T2's intake is refused by the rules, later).
    assert [[i.reference for i in g] for g in groups] == [["T2"], ["T1", "T9"]]


def test_a_participant_is_handed_on_once_their_last_row_is_read(
    tmp_path: Path,
) -> None:
    rows = [*GOOD]  # T1 (Lotte, rows 2-4), then T2 (Jan, rows 5-6)
    file = on_disk(tmp_path, csv_of(rows))
    read: list[int] = []

    def counted() -> Iterator[tuple[int, dict[str, Any]]]:
        for number, row in scan_file(file, "csv"):
            read.append(number)
            yield number, row

    planned = FilePlan(counted)
    read.clear()
    handed_on = [(read[-1], [i.reference for i in g]) for g in planned.groups()]

    assert handed_on == [(4, ["T1"]), (6, ["T2"])]


@pytest.mark.parametrize(("content", "format", "says"), UNREADABLE)
def test_a_file_read_from_disk_is_refused_for_the_same_reasons(
    tmp_path: Path, content: bytes, format: Format, says: str
) -> None:
    file = on_disk(tmp_path, content, format)

    with pytest.raises(FileRefused) as refused:
        FilePlan(lambda: scan_file(file, format))

    assert says in str(refused.value)


def test_a_line_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    content = csv_of(GOOD).replace(b"Eerste", "Eérste".encode("latin-1"))
    file = on_disk(tmp_path, content)

    with pytest.raises(FileRefused) as refused:
        FilePlan(lambda: scan_file(file, "csv"))

    assert str(refused.value) == (
        "The file is not UTF-8 text (line 4): save it as CSV UTF-8."
    )


@pytest.mark.parametrize("workers", [1, 2])
def test_a_file_imported_from_disk_is_stored_as_when_read_whole(
    service: Trajectories, tmp_path: Path, workers: int
) -> None:
    register_buso_programme(service)
    file = on_disk(tmp_path, csv_of(MIXED))
    planned = FilePlan(lambda: scan_file(file, "csv"))

    if workers == 1:
        report = import_in_turn(
            service, planned.groups(), recorded_by="import", dry_run=False, part=1
        )
    else:
        report = import_groups(
            service.settings,
            planned.groups(),
            workers=2,
            recorded_by="import",
            dry_run=False,
            part=1,
        )
    result = summary(planned, report, "en")

    assert (result.stored, result.refused, result.events) == (2, 3, 6)
    assert [(p.trajectory, p.row, p.column) for p in result.problems] == [
        ("T2", 8, "on"),
        ("T3", 9, "given_name"),
        ("", 10, "trajectory"),
    ]
    histories = list(service.histories_of(ORGANISATION, personal_data=True))
    assert sorted(len(h.events) for h in histories) == [2, 4]
    assert {h.participant_id for h in histories} == {histories[0].participant_id}


@pytest.mark.parametrize("line_end", [b"\n", b"\r\n", b"\r"])
def test_any_usual_line_end_reads_the_same(tmp_path: Path, line_end: bytes) -> None:
    content = csv_of(MIXED).replace(b"\r\n", line_end)
    file = on_disk(tmp_path, content)

    rows = list(scan_file(file, "csv"))

    assert rows == read_table(csv_of(MIXED), "csv").rows
    assert rows == read_table(content, "csv").rows
    assert [number for number, _ in rows] == list(range(2, len(MIXED) + 2))


@pytest.mark.parametrize("line_end", [b"\r\n", b"\r"])
def test_a_line_end_split_between_two_reads_is_one(
    tmp_path: Path, line_end: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = csv_of(MIXED).replace(b"\r\n", line_end)
    file = on_disk(tmp_path, content)
    monkeypatch.setattr(files, "CHUNK", 7)  # every few bytes, a line end cut in two

    rows = list(scan_file(file, "csv"))

    assert rows == read_table(csv_of(MIXED), "csv").rows


@pytest.mark.parametrize(
    "second",
    [
        [*GOOD, referral("T9", JAN, "2024-06-01")],  # a trajectory the first missed
        GOOD[:-1],  # cut short: Jan's last row gone
    ],
)
def test_a_file_that_changes_between_its_readings_is_refused(
    second: list[dict[str, str]],
) -> None:
    readings = [
        read_table(csv_of(GOOD), "csv").rows,
        read_table(csv_of(second), "csv").rows,
    ]
    planned = FilePlan(lambda: readings.pop(0))

    with pytest.raises(FileRefused) as refused:
        list(planned.groups())

    assert file_problem(refused.value, "nl") == (
        "Het bestand veranderde terwijl het gelezen werd: wat ervoor geïmporteerd "
        "werd, is volledig; importeer het bestand opnieuw."
    )


def test_whom_the_import_may_take_for_one_person_travel_together(
    service: Trajectories, tmp_path: Path
) -> None:
    # José and Jose, born the same day; Lotte with her number, then without it
    register_buso_programme(service)
    unnumbered = {k: v for k, v in LOTTE.items() if k != "national_register_number"}
    rows = [
        referral("J1", {**JAN, "given_name": "José"}, "2024-01-01"),
        referral("L1", LOTTE, "2024-01-01"),
        referral("X", JAN, "2024-03-01"),  # Jan, someone else, between them
        intake("X", "2024-03-12"),
        referral("J2", {**JAN, "given_name": "Jose"}, "2024-02-01"),
        referral("L2", unnumbered, "2024-02-01"),
    ]
    file = on_disk(tmp_path, csv_of(rows))
    planned = FilePlan(lambda: scan_file(file, "csv"))

    groups = [[i.reference for i in g] for g in planned.groups()]
    whole = service.import_trajectories(
        plan(read_table(csv_of(rows), "csv")).incoming,
        recorded_by="import",
        dry_run=True,
    )
    a_part_each = import_in_turn(  # stored: a later part finds what an earlier stored
        service,
        FilePlan(lambda: scan_file(file, "csv")).groups(),
        recorded_by="import",
        dry_run=False,
        part=1,
    )

    assert groups == [["X"], ["J1", "J2"], ["L1", "L2"]]
    assert sorted((o.reference, o.registered) for o in a_part_each.outcomes) == sorted(
        (o.reference, o.registered) for o in whole.outcomes
    )
