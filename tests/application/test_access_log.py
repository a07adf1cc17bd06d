"""The access log on both stores: who read whose personal data, oldest first, and a
table that refuses to be changed."""

import threading
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from uuid import UUID
from uuid import uuid4

import pytest

from application.access import Caller
from application.access import Role
from application.audit.access_log import AccessEntry
from application.audit.access_log import AccessLog
from application.service import Trajectories
from application.settings import Settings
from domain.errors import InvalidValue

HILDE = Caller(uuid4(), "Hilde Maes", Role.STAFF, "Werkburo Oost-Vlaanderen")
AUDITOR = Caller(uuid4(), "Inspectie WSE", Role.AUDITOR, None)
PARTICIPANT = "GET /participants/{participant_id}"
CASELOAD = "GET /caseload"


def who(entry: AccessEntry) -> tuple[UUID, str, Role, str | None, UUID, str]:
    return (
        entry.token_id,
        entry.name,
        entry.role,
        entry.organisation,
        entry.participant_id,
        entry.route,
    )


def test_a_read_is_recorded_with_who_when_whom_and_by_which_route(
    service: Trajectories,
) -> None:
    lotte = uuid4()
    before = datetime.now(UTC)

    service.access_log.record(HILDE, [lotte], PARTICIPANT)

    [entry] = service.access_log.entries().entries
    assert who(entry) == (
        HILDE.token_id,
        "Hilde Maes",
        Role.STAFF,
        "Werkburo Oost-Vlaanderen",
        lotte,
        PARTICIPANT,
    )
    assert entry.at.tzinfo == UTC
    assert before <= entry.at <= datetime.now(UTC)


def test_a_read_of_many_participants_records_each_one_once(
    service: Trajectories,
) -> None:
    lotte, jonas = uuid4(), uuid4()

    service.access_log.record(HILDE, [lotte, jonas, lotte], CASELOAD)

    entries = service.access_log.entries().entries
    assert [e.participant_id for e in entries] == [lotte, jonas]
    assert len({e.at for e in entries}) == 1


def test_a_read_of_nobody_records_nothing(service: Trajectories) -> None:
    service.access_log.record(HILDE, [], CASELOAD)

    assert service.access_log.entries().entries == []


def test_an_auditor_has_no_organisation_in_the_log(service: Trajectories) -> None:
    service.access_log.record(AUDITOR, [uuid4()], PARTICIPANT)

    [entry] = service.access_log.entries().entries
    assert (entry.role, entry.organisation) == (Role.AUDITOR, None)


def test_entries_are_oldest_first_and_filtered_by_participant(
    service: Trajectories,
) -> None:
    lotte, jonas = uuid4(), uuid4()
    service.access_log.record(HILDE, [lotte], PARTICIPANT)
    service.access_log.record(HILDE, [jonas], PARTICIPANT)
    service.access_log.record(AUDITOR, [lotte], PARTICIPANT)

    everyone = service.access_log.entries().entries
    lottes = service.access_log.entries(participant=lotte).entries

    assert [e.participant_id for e in everyone] == [lotte, jonas, lotte]
    assert [e.id for e in everyone] == sorted(e.id for e in everyone)
    assert [(e.participant_id, e.role) for e in lottes] == [
        (lotte, Role.STAFF),
        (lotte, Role.AUDITOR),
    ]


def test_since_keeps_the_reads_at_or_after_a_moment_in_any_zone(
    service: Trajectories,
) -> None:
    service.access_log.record(HILDE, [uuid4()], PARTICIPANT)
    [first] = service.access_log.entries().entries
    later = uuid4()
    service.access_log.record(HILDE, [later], PARTICIPANT)
    [second] = service.access_log.entries(after=first.id).entries
    in_brussels = second.at.astimezone(timezone(timedelta(hours=1)))

    since_second = service.access_log.entries(since=in_brussels).entries
    since_before = service.access_log.entries(
        since=first.at - timedelta(seconds=1)
    ).entries
    since_after = service.access_log.entries(
        since=second.at + timedelta(microseconds=1)
    ).entries

    assert [e.participant_id for e in since_second] == [later]
    assert len(since_before) == 2
    assert since_after == []


def test_a_time_without_its_zone_is_refused(service: Trajectories) -> None:
    with pytest.raises(InvalidValue, match="time zone"):
        service.access_log.entries(since=datetime(2026, 11, 24, 8, 0))


def test_pages_after_an_entry_cover_the_log_once(service: Trajectories) -> None:
    readers = [uuid4() for _ in range(7)]
    for participant in readers:
        service.access_log.record(HILDE, [participant], PARTICIPANT)

    seen: list[UUID] = []
    after, pages = 0, 0
    while True:
        page = service.access_log.entries(limit=3, after=after)
        seen += [e.participant_id for e in page.entries]
        pages += 1
        if page.next_after is None:
            break
        after = page.next_after

    assert seen == readers
    assert pages == 3


def test_reads_recorded_at_once_by_many_threads_are_all_in_the_log(
    service: Trajectories,
) -> None:
    participants = [uuid4() for _ in range(40)]

    threads = [
        threading.Thread(
            target=service.access_log.record, args=(HILDE, [p], PARTICIPANT)
        )
        for p in participants
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    entries = service.access_log.entries(limit=1000).entries
    assert sorted(e.participant_id for e in entries) == sorted(participants)


def test_the_log_outlives_a_restart(database_url: str) -> None:
    lotte = uuid4()
    first = Trajectories(Settings(database_url=database_url))
    try:
        first.access_log.record(HILDE, [lotte], PARTICIPANT)
    finally:
        first.close()

    again = Trajectories(Settings(database_url=database_url))
    try:
        entries = again.access_log.entries().entries
    finally:
        again.close()

    assert [e.participant_id for e in entries] == [lotte]


@pytest.mark.parametrize(
    "statement", ["UPDATE {table} SET participant_id = 'x'", "DELETE FROM {table}"]
)
def test_the_log_refuses_to_be_changed_or_emptied(
    service: Trajectories, statement: str
) -> None:
    log: AccessLog = service.access_log
    log.record(HILDE, [uuid4()], PARTICIPANT)
    before = log.entries().entries

    with pytest.raises(Exception, match="append-only"):
        log.tables.run((statement.format(table=log.table), ()))

    assert log.entries().entries == before


@pytest.mark.postgres
def test_postgres_refuses_to_truncate_the_log(postgres_url: str) -> None:
    service = Trajectories(Settings(database_url=postgres_url))
    try:
        log = service.access_log
        log.record(HILDE, [uuid4()], PARTICIPANT)

        with pytest.raises(Exception, match="append-only: TRUNCATE refused"):
            log.tables.run((f"TRUNCATE {log.table}", ()))

        assert len(log.entries().entries) == 1
    finally:
        service.close()
