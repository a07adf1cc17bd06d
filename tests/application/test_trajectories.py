"""The application service against real stores: SQLite and PostgreSQL (each test runs on
both)."""

import logging
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError

from application.errors import NotYetReferred
from application.errors import ParticipantNotFound
from application.errors import ProgrammeAlreadyRegistered
from application.errors import ProgrammeNotFound
from application.errors import TrajectoryNotFound
from application.errors import VersionConflict
from application.errors import VersionNotFound
from application.programmes import PROGRAMME_LOG_ID
from application.service import Trajectories
from application.settings import Settings
from application.writes import Answer
from domain.commands import AssessLadder
from domain.commands import Complete
from domain.commands import CompleteIntake
from domain.commands import DeclineReferral
from domain.commands import DropOut
from domain.commands import HoldSession
from domain.commands import Refer
from domain.commands import RegisterParticipant
from domain.commands import RegisterProgramme
from domain.commands import Reopen
from domain.commands import Resume
from domain.commands import RetractEntry
from domain.commands import StartPlacement
from domain.commands import Suspend
from domain.enrolment import Enrolment
from domain.errors import AgeNotEligible
from domain.errors import IntakeAlreadyCompleted
from domain.errors import NewerTrajectoryExists
from domain.errors import OpenTrajectoryExists
from domain.errors import ProgrammeNotRunning
from domain.programme import Programme
from domain.trajectory import Trajectory
from domain.vocabulary import Barrier
from domain.vocabulary import DeclineReason
from domain.vocabulary import Destination
from domain.vocabulary import DropoutReason
from domain.vocabulary import EducationLevel
from domain.vocabulary import Gender
from domain.vocabulary import LabourStatus
from domain.vocabulary import PlacementType
from domain.vocabulary import ReferralSource
from domain.vocabulary import SessionMode
from domain.vocabulary import SessionSetting
from domain.vocabulary import Stage
from domain.vocabulary import SuspensionReason
from tests.service_builders import coach_for
from tests.service_builders import reads_of

COACH = "Hilde"
PROGRAMME = "BUSO-AALST"
ORGANISATION = "Werkburo Oost-Vlaanderen"


def register_programme(service: Trajectories, **overrides: Any) -> None:
    fields: dict[str, Any] = {
        "code": PROGRAMME,
        "name": "Van BUSO naar begeleid werken",
        "funder": "Vlaamse overheid",
        "organisations": [ORGANISATION],
        "starts_on": date(2023, 4, 1),
        "ends_on": date(2025, 9, 30),
        "budget": Decimal("120000.00"),
        "min_age": 16,
        "max_age": 25,
        "session_cap": 3,
    }
    service.register_programme(
        RegisterProgramme(**{**fields, **overrides}), recorded_by="admin"
    )


def referred(service: Trajectories, on: date = date(2024, 2, 1)) -> Trajectory:
    participant = service.register_participant(
        RegisterParticipant(
            given_name="Lotte",
            family_name="Claes",
            birth_date=date(2005, 3, 14),
            gender=Gender.F,
            confirmed_new_person=True,  # each a Lotte Claes of her own
        ),
        recorded_by=COACH,
    )
    referral = Refer(
        participant_id=participant.id,
        programme=PROGRAMME,
        organisation=ORGANISATION,
        referral_source=ReferralSource.SCHOOL,
        on=on,
    )
    return service.trajectory(service.refer(referral, recorded_by=COACH).id)


def take_in(service: Trajectories, trajectory_id: UUID, on: date) -> int:
    return service.record(
        trajectory_id,
        CompleteIntake(
            on=on,
            coach_id=coach_for(service, trajectory_id, COACH),
            rung=2,
            labour_status=LabourStatus.UNEMPLOYED,
            education_level=EducationLevel.ISCED_0_2,
            barriers=[Barrier.MOBILITY],
            disability=True,
            postcode="9300",
        ),
        recorded_by=COACH,
    ).version


def hold_session(
    service: Trajectories, trajectory_id: UUID, on: date, version: int | None = None
) -> int:
    return service.record(
        trajectory_id,
        HoldSession(
            on=on,
            minutes=45,
            mode=SessionMode.INDIVIDUAL,
            setting=SessionSetting.WORKPLACE,
            note="visited the bakery",
        ),
        expected_version=version,
        recorded_by=COACH,
    ).version


@pytest.fixture
def catalogue(service: Trajectories) -> Trajectories:
    register_programme(service)
    return service


def test_a_recorded_trajectory_loads_as_it_was_saved(catalogue: Trajectories) -> None:
    trajectory = referred(catalogue)

    take_in(catalogue, trajectory.id, date(2024, 2, 12))
    catalogue.record(
        trajectory.id,
        StartPlacement(
            on=date(2024, 3, 1),
            placement_type=PlacementType.REGULAR_JOB_WITH_SUPPORT,
            employer="Bakkerij De Smet",
            paid=True,
            hours_per_week=19.5,
        ),
        recorded_by=COACH,
    )

    loaded = catalogue.trajectory(trajectory.id)
    assert loaded.version == 3
    assert loaded.stage is Stage.ACTIVE
    assert loaded.open_barriers == [Barrier.MOBILITY]
    assert loaded.placements[0].competitive
    assert loaded.placements[0].hours_per_week == 19.5


def test_every_code_survives_the_store(catalogue: Trajectories) -> None:
    trajectory = referred(catalogue)
    take_in(catalogue, trajectory.id, date(2024, 2, 12))

    catalogue.record(
        trajectory.id,
        DropOut(on=date(2024, 3, 1), reason=DropoutReason.MENTAL_HEALTH),
        recorded_by=COACH,
    )

    history = catalogue.history(trajectory.id)
    assert history[0].data["referral_source"] is ReferralSource.SCHOOL
    assert history[1].data["labour_status"] is LabourStatus.UNEMPLOYED
    assert history[1].data["barriers"] == [Barrier.MOBILITY]
    assert history[2].data["reason"] is DropoutReason.MENTAL_HEALTH
    assert history[2].business_date == date(2024, 3, 1)
    assert {entry.recorded_by for entry in history} == {COACH}


def test_long_histories_load_from_snapshots_and_equal_a_full_replay(
    catalogue: Trajectories,
) -> None:
    trajectory = referred(catalogue)
    version = take_in(catalogue, trajectory.id, date(2024, 2, 12))
    for day in range(1, 4):
        version = hold_session(catalogue, trajectory.id, date(2024, 3, day), version)
    for day in range(1, 10):
        version = catalogue.record(
            trajectory.id,
            AssessLadder(on=date(2024, 4, day), rung=1 + day % 6),
            recorded_by=COACH,
        ).version

    snapshots = (
        list(catalogue.snapshots.get(trajectory.id)) if catalogue.snapshots else []
    )
    loaded = catalogue.trajectory(trajectory.id)
    replayed: Any = None
    stored_event: Any
    for stored_event in catalogue.repository.event_store.get(trajectory.id):
        replayed = stored_event.mutate(replayed)

    assert [s.originator_version for s in snapshots] == [5, 10]
    assert loaded == replayed
    assert loaded.version == version == 14


def test_a_batch_past_snapshot_versions_takes_one_snapshot_where_it_ends(
    catalogue: Trajectories,
) -> None:
    # Given a batch that takes a trajectory past versions 5 and 10 (the interval 5)
    with catalogue.batch():
        trajectory = referred(catalogue)
        take_in(catalogue, trajectory.id, date(2024, 2, 12))
        for day in range(1, 13):
            catalogue.record(
                trajectory.id,
                AssessLadder(on=date(2024, 4, day), rung=1 + day % 6),
                recorded_by=COACH,
            )
    # When one more event brings it to 15
    catalogue.record(
        trajectory.id, AssessLadder(on=date(2024, 5, 1), rung=3), recorded_by=COACH
    )

    # Then the batch took one snapshot, at 14 where it ended, and the save at 15 one
    snapshots = (
        list(catalogue.snapshots.get(trajectory.id)) if catalogue.snapshots else []
    )
    assert [s.originator_version for s in snapshots] == [14, 15]
    replayed: Any = None
    stored_event: Any
    for stored_event in catalogue.repository.event_store.get(trajectory.id, lte=14):
        replayed = stored_event.mutate(replayed)
    first: Any = snapshots[0]
    assert first.mutate(None) == replayed
    assert catalogue.trajectory_at_version(trajectory.id, 14) == replayed


def test_the_trajectory_a_write_leaves_in_the_cache_is_its_stored_history_replayed(
    catalogue: Trajectories,
) -> None:
    # The next command on a trajectory starts from the one the last write saved
    # (Writes.keep), not from its events read back: the two must be the same.
    trajectory = referred(catalogue)
    cache = catalogue.repository.cache
    assert cache is not None

    def cached_equals_a_replay(version: int) -> None:
        replayed: Any = None
        stored_event: Any
        for stored_event in catalogue.repository.event_store.get(trajectory.id):
            replayed = stored_event.mutate(replayed)
        cached = cache.get(trajectory.id)
        assert cached.version == version == replayed.version
        assert vars(cached) == vars(replayed)
        # and of the same types: a code equals its plain string, but not in repr
        assert repr(vars(cached)) == repr(vars(replayed))

    version = take_in(catalogue, trajectory.id, date(2024, 2, 12))
    cached_equals_a_replay(version)
    commands: list[Any] = [
        HoldSession(
            on=date(2024, 2, 14),
            minutes=45,
            mode=SessionMode.INDIVIDUAL,
            setting=SessionSetting.WORKPLACE,
            note="visited the bakery",
        ),
        StartPlacement(
            on=date(2024, 3, 1),
            placement_type=PlacementType.REGULAR_JOB_WITH_SUPPORT,
            employer="Bakkerij De Smet",
            paid=True,
            hours_per_week=19.5,
        ),
        RetractEntry(on=date(2024, 3, 2), version=3, reason="entered in error"),
        DropOut(on=date(2024, 3, 20), reason=DropoutReason.LOST_CONTACT),
        Reopen(on=date(2024, 4, 2), reason="back in touch"),
    ]
    for command in commands:
        version = catalogue.record(trajectory.id, command, recorded_by=COACH).version
        cached_equals_a_replay(version)

    with pytest.raises(IntakeAlreadyCompleted):  # a refusal leaves the cache as it was
        take_in(catalogue, trajectory.id, date(2024, 4, 3))
    cached_equals_a_replay(version)


def test_a_fresh_process_reads_everything_an_earlier_one_stored(
    catalogue: Trajectories, database_url: str
) -> None:
    trajectory = referred(catalogue)
    take_in(catalogue, trajectory.id, date(2024, 2, 12))
    script = (
        "import sys; from uuid import UUID;"
        "from application.settings import Settings;"
        "from application.service import Trajectories;"
        "app = Trajectories(Settings(database_url=sys.argv[1]));"
        "print([p.code for p in app.programmes()]);"
        "print(app.trajectory(UUID(sys.argv[2])).stage.value);"
        "print(len(app.history(UUID(sys.argv[2]))))"
    )

    result = subprocess.run(
        [sys.executable, "-c", script, database_url, str(trajectory.id)],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:3] == [f"['{PROGRAMME}']", "active", "2"]


def test_state_as_of_a_version_and_as_of_a_date(catalogue: Trajectories) -> None:
    trajectory = referred(catalogue)
    take_in(catalogue, trajectory.id, date(2024, 2, 12))
    hold_session(catalogue, trajectory.id, date(2024, 2, 20))
    hold_session(catalogue, trajectory.id, date(2024, 3, 20))

    at_version_2 = catalogue.trajectory_at_version(trajectory.id, 2)
    on_march_1 = catalogue.trajectory_as_of(trajectory.id, date(2024, 3, 1))
    on_referral_day = catalogue.trajectory_as_of(trajectory.id, date(2024, 2, 1))

    assert at_version_2.stage is Stage.ACTIVE and at_version_2.sessions_held == 0
    assert on_march_1.sessions_held == 1 and on_march_1.version == 3
    assert on_referral_day.stage is Stage.REFERRED
    assert catalogue.trajectory(trajectory.id).sessions_held == 2


def test_an_event_retracted_later_never_counts_as_of_any_date(
    catalogue: Trajectories,
) -> None:
    trajectory = referred(catalogue)
    take_in(catalogue, trajectory.id, date(2024, 2, 12))
    catalogue.record(
        trajectory.id,
        DropOut(on=date(2024, 2, 20), reason=DropoutReason.LOST_CONTACT),
        recorded_by=COACH,
    )

    catalogue.record(
        trajectory.id,
        RetractEntry(on=date(2024, 3, 1), version=3, reason="she answered after all"),
        recorded_by=COACH,
    )

    as_of = catalogue.trajectory_as_of(trajectory.id, date(2024, 2, 25))
    assert as_of.stage is Stage.ACTIVE and as_of.exit_on is None


def test_retracting_an_exit_is_refused_when_a_newer_trajectory_exists(
    catalogue: Trajectories,
) -> None:
    trajectory = referred(catalogue)
    take_in(catalogue, trajectory.id, date(2024, 2, 12))
    catalogue.record(
        trajectory.id,
        DropOut(on=date(2024, 2, 20), reason=DropoutReason.LOST_CONTACT),
        recorded_by=COACH,
    )
    catalogue.refer(
        Refer(
            participant_id=trajectory.participant_id,
            programme=PROGRAMME,
            organisation=ORGANISATION,
            referral_source=ReferralSource.VDAB,
            on=date(2024, 3, 1),
        ),
        recorded_by=COACH,
    )

    with pytest.raises(NewerTrajectoryExists):
        catalogue.record(
            trajectory.id,
            RetractEntry(on=date(2024, 3, 2), version=3, reason="entered in error"),
            recorded_by=COACH,
        )

    assert catalogue.trajectory(trajectory.id).stage is Stage.DROPPED_OUT


def test_retracting_the_only_exit_reopens_the_trajectory(
    catalogue: Trajectories,
) -> None:
    trajectory = referred(catalogue)
    take_in(catalogue, trajectory.id, date(2024, 2, 12))
    catalogue.record(
        trajectory.id,
        DropOut(on=date(2024, 2, 20), reason=DropoutReason.LOST_CONTACT),
        recorded_by=COACH,
    )

    catalogue.record(
        trajectory.id,
        RetractEntry(on=date(2024, 3, 2), version=3, reason="entered in error"),
        recorded_by=COACH,
    )

    assert catalogue.trajectory(trajectory.id).stage is Stage.ACTIVE
    with pytest.raises(OpenTrajectoryExists):
        catalogue.refer(
            Refer(
                participant_id=trajectory.participant_id,
                programme=PROGRAMME,
                organisation=ORGANISATION,
                referral_source=ReferralSource.VDAB,
                on=date(2024, 3, 3),
            ),
            recorded_by=COACH,
        )


def test_the_programme_log_is_no_aggregate_to_read(catalogue: Trajectories) -> None:
    with pytest.raises(ParticipantNotFound):
        catalogue.participant(PROGRAMME_LOG_ID)
    with pytest.raises(TrajectoryNotFound):
        catalogue.trajectory(PROGRAMME_LOG_ID)
    with pytest.raises(TrajectoryNotFound):
        catalogue.history(PROGRAMME_LOG_ID)


def test_two_racing_referrals_of_one_participant_open_one_trajectory(
    database_url: str,
) -> None:
    first = Trajectories(Settings(database_url=database_url))
    second = Trajectories(Settings(database_url=database_url))
    try:
        register_programme(first)
        participant = first.register_participant(
            RegisterParticipant(
                given_name="Lotte",
                family_name="Claes",
                birth_date=date(2005, 3, 14),
                gender=Gender.F,
            ),
            recorded_by=COACH,
        )
        start = threading.Barrier(2)
        outcomes: list[object] = []

        def refer(service: Trajectories) -> None:
            start.wait()
            try:
                outcomes.append(
                    service.refer(
                        Refer(
                            participant_id=participant.id,
                            programme=PROGRAMME,
                            organisation=ORGANISATION,
                            referral_source=ReferralSource.SCHOOL,
                            on=date(2024, 2, 1),
                        ),
                        recorded_by=COACH,
                    )
                )
            except OpenTrajectoryExists as refused:
                outcomes.append(refused)

        writers = [threading.Thread(target=refer, args=(s,)) for s in (first, second)]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join()

        opened = [o for o in outcomes if isinstance(o, Answer)]
        refused = [o for o in outcomes if isinstance(o, OpenTrajectoryExists)]
        assert len(opened) == 1 and len(refused) == 1
        assert str(opened[0].id) in str(refused[0])
    finally:
        first.close()
        second.close()


def test_unknown_versions_and_dates_before_the_referral_are_not_found(
    catalogue: Trajectories,
) -> None:
    trajectory = referred(catalogue)

    with pytest.raises(VersionNotFound, match="has no version 2; the last is 1"):
        catalogue.trajectory_at_version(trajectory.id, 2)
    with pytest.raises(NotYetReferred, match="referred on 2024-02-01"):
        catalogue.trajectory_as_of(trajectory.id, date(2024, 1, 31))
    with pytest.raises(TrajectoryNotFound):
        catalogue.trajectory(uuid4())
    with pytest.raises(TrajectoryNotFound):
        catalogue.history(uuid4())


def test_a_stale_expected_version_writes_nothing(catalogue: Trajectories) -> None:
    trajectory = referred(catalogue)
    take_in(catalogue, trajectory.id, date(2024, 2, 12))

    with pytest.raises(VersionConflict) as conflict:
        hold_session(catalogue, trajectory.id, date(2024, 2, 20), version=1)

    assert conflict.value.current == 2
    assert catalogue.trajectory(trajectory.id).version == 2


def test_two_writers_racing_on_one_trajectory_one_wins_the_other_is_refused(
    database_url: str,
) -> None:
    first = Trajectories(Settings(database_url=database_url))
    second = Trajectories(Settings(database_url=database_url))
    try:
        register_programme(first)
        trajectory = referred(first)
        version = take_in(first, trajectory.id, date(2024, 2, 12))
        start = threading.Barrier(2)
        outcomes: list[object] = []

        def write(service: Trajectories, day: int) -> None:
            start.wait()
            try:
                hold_session(service, trajectory.id, date(2024, 3, day), version)
                outcomes.append("written")
            except VersionConflict as conflict:
                outcomes.append(conflict)

        writers = [
            threading.Thread(target=write, args=(first, 1)),
            threading.Thread(target=write, args=(second, 2)),
        ]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join()

        assert sorted(map(str, outcomes)).count("written") == 1
        refused = [o for o in outcomes if isinstance(o, VersionConflict)]
        assert len(refused) == 1 and refused[0].current == version + 1
        history = first.history(trajectory.id)
        assert [e.version for e in history] == [1, 2, 3]
    finally:
        first.close()
        second.close()


def kept_and_watched(
    service: Trajectories, monkeypatch: pytest.MonkeyPatch
) -> tuple[Trajectory, list[UUID]]:
    """A trajectory this process took in (and kept as it saved it), and the ids
    the store is asked for from now on."""
    trajectory = referred(service)
    take_in(service, trajectory.id, date(2024, 2, 12))
    return trajectory, reads_of(service, monkeypatch)


def test_a_command_on_a_trajectory_this_process_saved_last_asks_the_store_nothing(
    catalogue: Trajectories, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a trajectory this process took in (and kept as it saved it)
    trajectory, asked = kept_and_watched(catalogue, monkeypatch)

    # When two sessions are held, one against the version the caller read
    version = hold_session(catalogue, trajectory.id, date(2024, 3, 1))
    version = hold_session(catalogue, trajectory.id, date(2024, 3, 2), version)

    # Then neither asked the store for the trajectory's newer events
    assert trajectory.id not in asked
    assert version == 4
    assert [e.version for e in catalogue.history(trajectory.id)] == [1, 2, 3, 4]


def found_stale(caplog: pytest.LogCaptureFixture, version: int) -> bool:
    """Whether this process logged that the copy it kept at ``version`` was stale
    (so the command did start from it, and then stopped trusting kept copies)."""
    return f"had moved on from the copy kept at version {version}" in caplog.text


def test_a_command_that_would_record_nothing_on_a_kept_copy_reads_the_store(
    catalogue: Trajectories, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a kept trajectory, and a command that records no event (none does
    # today: each records one or is refused)
    trajectory, asked = kept_and_watched(catalogue, monkeypatch)
    monkeypatch.setattr(Trajectory, "record", lambda *args, **kwargs: None)

    # When it is recorded
    version = hold_session(catalogue, trajectory.id, date(2024, 3, 1))

    # Then its answer comes from the stored history: only a save would have
    # checked the kept copy against the store
    assert trajectory.id in asked
    assert version == 2


@pytest.fixture
def two_processes(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> Iterator[tuple[Trajectories, Trajectories]]:
    """Two services on one store, as two server processes are (the kept copies'
    log, INFO, captured)."""
    caplog.set_level(logging.INFO, logger="trajectory.storage")
    first = Trajectories(Settings(database_url=database_url))
    second = Trajectories(Settings(database_url=database_url))
    try:
        register_programme(first)
        yield first, second
    finally:
        first.close()
        second.close()


def test_a_copy_kept_by_one_process_gives_way_to_what_another_stored(
    two_processes: tuple[Trajectories, Trajectories],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    first, second = two_processes
    # Given a trajectory the first process saved last, and kept
    trajectory = referred(first)
    take_in(first, trajectory.id, date(2024, 2, 12))
    asked = reads_of(first, monkeypatch)

    # When the second process records a session, then the first records two
    moved = hold_session(second, trajectory.id, date(2024, 3, 1))
    recorded = hold_session(first, trajectory.id, date(2024, 3, 2))
    asked_by_the_first = list(asked)
    asked.clear()
    last = hold_session(first, trajectory.id, date(2024, 3, 3))

    # Then the first process's session follows the second's, its kept copy
    # given up for the stored history; and, a kept copy having proved stale,
    # the first process asks the store first for the next command too
    assert (moved, recorded, last) == (3, 4, 5)
    assert found_stale(caplog, 2)
    assert trajectory.id in asked_by_the_first
    assert trajectory.id in asked
    history = first.history(trajectory.id)
    assert [e.business_date for e in history[2:]] == [
        date(2024, 3, 1),
        date(2024, 3, 2),
        date(2024, 3, 3),
    ]


def test_a_caller_version_a_stale_kept_copy_agrees_with_is_refused_with_the_stored_one(
    two_processes: tuple[Trajectories, Trajectories], caplog: pytest.LogCaptureFixture
) -> None:
    first, second = two_processes
    # Given a trajectory the first process saved last, at version 2
    trajectory = referred(first)
    kept = take_in(first, trajectory.id, date(2024, 2, 12))

    # When the second process records a session, and the first one is asked
    # to record one against version 2
    hold_session(second, trajectory.id, date(2024, 3, 1))
    with pytest.raises(VersionConflict) as stale:
        hold_session(first, trajectory.id, date(2024, 3, 2), kept)

    # Then it is refused with the stored version, and nothing is written
    assert (stale.value.expected, stale.value.current) == (2, 3)
    assert found_stale(caplog, 2)
    assert first.trajectory(trajectory.id).version == 3


def test_a_refusal_from_a_stale_kept_copy_is_judged_again_on_the_stored_history(
    two_processes: tuple[Trajectories, Trajectories], caplog: pytest.LogCaptureFixture
) -> None:
    first, second = two_processes
    # Given a trajectory the first process suspended, and kept suspended
    trajectory = referred(first)
    take_in(first, trajectory.id, date(2024, 2, 12))
    reason = SuspensionReason.CARE
    first.record(
        trajectory.id,
        Suspend(on=date(2024, 3, 1), reason=reason),
        recorded_by=COACH,
    )

    # When the second process resumes it, and the first suspends it again
    second.record(
        trajectory.id, Resume(on=date(2024, 4, 1), reason=reason), recorded_by=COACH
    )
    again = first.record(
        trajectory.id,
        Suspend(on=date(2024, 5, 1), reason=reason),
        recorded_by=COACH,
    )

    # Then the suspension is recorded: its copy said "already suspended", the
    # stored history did not
    assert again.version == 5
    assert first.trajectory(trajectory.id).stage is Stage.SUSPENDED
    assert found_stale(caplog, 3)


def test_two_saves_of_the_same_version_conflict_in_the_store(
    catalogue: Trajectories,
) -> None:
    trajectory = referred(catalogue)
    stale = catalogue.trajectory(trajectory.id)
    take_in(catalogue, trajectory.id, date(2024, 2, 12))

    stale.decline_referral(
        DeclineReferral(on=date(2024, 2, 2), reason=DeclineReason.REFUSED),
        recorded_by=COACH,
    )

    with pytest.raises(IntegrityError):
        catalogue.save(stale)
    assert catalogue.trajectory(trajectory.id).stage is Stage.ACTIVE


def test_one_open_trajectory_per_participant_per_programme(
    catalogue: Trajectories,
) -> None:
    trajectory = referred(catalogue)

    with pytest.raises(OpenTrajectoryExists, match=str(trajectory.id)):
        catalogue.refer(
            Refer(
                participant_id=trajectory.participant_id,
                programme=PROGRAMME,
                organisation=ORGANISATION,
                referral_source=ReferralSource.VDAB,
                on=date(2024, 3, 1),
            ),
            recorded_by=COACH,
        )

    take_in(catalogue, trajectory.id, date(2024, 2, 12))
    catalogue.record(
        trajectory.id,
        Complete(on=date(2024, 3, 1), destination=Destination.EMPLOYED),
        recorded_by=COACH,
    )
    newer = catalogue.refer(
        Refer(
            participant_id=trajectory.participant_id,
            programme=PROGRAMME,
            organisation=ORGANISATION,
            referral_source=ReferralSource.VDAB,
            on=date(2024, 3, 2),
        ),
        recorded_by=COACH,
    )
    assert newer.id != trajectory.id
    with pytest.raises(NewerTrajectoryExists, match=str(newer.id)):
        catalogue.record(
            trajectory.id,
            Reopen(on=date(2024, 3, 5), reason="job lost"),
            recorded_by=COACH,
        )


def test_a_reopened_trajectory_blocks_a_new_referral(catalogue: Trajectories) -> None:
    trajectory = referred(catalogue)
    take_in(catalogue, trajectory.id, date(2024, 2, 12))
    catalogue.record(
        trajectory.id,
        Complete(on=date(2024, 3, 1), destination=Destination.EMPLOYED),
        recorded_by=COACH,
    )

    catalogue.record(
        trajectory.id, Reopen(on=date(2024, 4, 1), reason="job lost"), recorded_by=COACH
    )

    assert catalogue.trajectory(trajectory.id).stage is Stage.ACTIVE
    with pytest.raises(OpenTrajectoryExists):
        catalogue.refer(
            Refer(
                participant_id=trajectory.participant_id,
                programme=PROGRAMME,
                organisation=ORGANISATION,
                referral_source=ReferralSource.VDAB,
                on=date(2024, 4, 2),
            ),
            recorded_by=COACH,
        )


def test_referral_rules_that_need_the_programme_and_the_participant(
    catalogue: Trajectories,
) -> None:
    with pytest.raises(ProgrammeNotRunning, match="not on 2025-10-01"):
        referred(catalogue, on=date(2025, 10, 1))
    with pytest.raises(ProgrammeNotFound):
        catalogue.programme("NOPE")
    with pytest.raises(ParticipantNotFound):
        catalogue.refer(
            Refer(
                participant_id=uuid4(),
                programme=PROGRAMME,
                organisation=ORGANISATION,
                referral_source=ReferralSource.VDAB,
                on=date(2024, 3, 1),
            ),
            recorded_by=COACH,
        )
    register_programme(catalogue, code="ADULTS", min_age=30, max_age=64)
    participant = catalogue.register_participant(
        RegisterParticipant(
            given_name="Jan",
            family_name="Peeters",
            birth_date=date(2000, 1, 1),
            gender=Gender.M,
        ),
        recorded_by=COACH,
    )
    with pytest.raises(AgeNotEligible, match="this participant is 24"):
        catalogue.refer(
            Refer(
                participant_id=participant.id,
                programme="ADULTS",
                organisation=ORGANISATION,
                referral_source=ReferralSource.VDAB,
                on=date(2024, 3, 1),
            ),
            recorded_by=COACH,
        )


def test_the_programme_session_cap_is_enforced(catalogue: Trajectories) -> None:
    trajectory = referred(catalogue)
    version = take_in(catalogue, trajectory.id, date(2024, 2, 12))
    for day in (1, 2, 3):
        version = hold_session(catalogue, trajectory.id, date(2024, 3, day), version)

    with pytest.raises(Exception, match="3 sessions per participant per year"):
        hold_session(catalogue, trajectory.id, date(2024, 3, 4), version)

    hold_session(catalogue, trajectory.id, date(2025, 1, 6), version)


def test_once_read_a_programmes_session_cap_is_not_asked_of_the_store_again(
    catalogue: Trajectories, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a trajectory with a session held, its programme's cap read then
    trajectory = referred(catalogue)
    version = take_in(catalogue, trajectory.id, date(2024, 2, 12))
    version = hold_session(catalogue, trajectory.id, date(2024, 3, 1), version)
    asked = reads_of(catalogue, monkeypatch)

    # When two more sessions are held, and a fourth is tried
    for day in (2, 3):
        version = hold_session(catalogue, trajectory.id, date(2024, 3, day), version)
    with pytest.raises(Exception, match="3 sessions per participant per year"):
        hold_session(catalogue, trajectory.id, date(2024, 3, 4), version)

    # Then the cap (set at registration, changed by no command) still held, and
    # the store was not asked for the programme
    assert Programme.id_for(PROGRAMME) not in asked
    assert trajectory.id in asked


def test_programmes_are_listed_once_each_in_registration_order(
    catalogue: Trajectories,
) -> None:
    register_programme(catalogue, code="SAMENWERKT")

    with pytest.raises(ProgrammeAlreadyRegistered):
        register_programme(catalogue, code="SAMENWERKT")

    assert [p.code for p in catalogue.programmes()] == [PROGRAMME, "SAMENWERKT"]


def test_a_retracted_event_stays_in_the_history_and_counts_nowhere(
    catalogue: Trajectories,
) -> None:
    trajectory = referred(catalogue)
    take_in(catalogue, trajectory.id, date(2024, 2, 12))
    hold_session(catalogue, trajectory.id, date(2024, 2, 20))

    catalogue.record(
        trajectory.id,
        RetractEntry(
            on=date(2024, 2, 21), version=3, reason="recorded on the wrong trajectory"
        ),
        recorded_by=COACH,
    )

    history = catalogue.history(trajectory.id)
    assert [(e.type, e.retracted_by) for e in history] == [
        ("ReferralReceived", None),
        ("IntakeCompleted", None),
        ("SessionHeld", 4),
        ("EntryRetracted", None),
    ]
    assert catalogue.trajectory(trajectory.id).sessions_held == 0


@pytest.mark.parametrize(
    "statement", ["UPDATE {table} SET topic = 'x'", "DELETE FROM {table}"]
)
@pytest.mark.parametrize("store", ["events", "snapshots"])
def test_the_store_refuses_to_change_or_delete_stored_events_and_snapshots(
    catalogue: Trajectories, statement: str, store: str
) -> None:
    trajectory = referred(catalogue)
    catalogue.take_snapshot(trajectory.id)
    recorder: Any = getattr(catalogue, store).recorder
    before = recorder.select_events(trajectory.id)
    table = recorder.events_table_name
    if catalogue.settings.is_postgres:
        table = f'"{recorder.datastore.schema}".{table}'

    with pytest.raises(Exception, match="append-only: (UPDATE|DELETE) refused"):
        with recorder.datastore.transaction(commit=True) as cursor:
            cursor.execute(statement.format(table=table))

    assert recorder.select_events(trajectory.id) == before


@pytest.mark.postgres
def test_postgres_refuses_truncate_and_reinstalls_its_guard_idempotently(
    postgres_url: str,
) -> None:
    service = Trajectories(Settings(database_url=postgres_url))
    register_programme(service)
    again = Trajectories(Settings(database_url=postgres_url))
    recorder: Any = service.recorder
    table = f'"{recorder.datastore.schema}".{recorder.events_table_name}'
    try:
        with pytest.raises(Exception, match="append-only: TRUNCATE refused"):
            with recorder.datastore.transaction(commit=True) as cursor:
                cursor.execute(f"TRUNCATE {table}")
        assert [p.code for p in again.programmes()] == [PROGRAMME]
    finally:
        service.close()
        again.close()


def test_a_batch_is_stored_together_when_it_ends(
    catalogue: Trajectories, database_url: str
) -> None:
    reader = Trajectories(Settings(database_url=database_url))
    try:
        with catalogue.batch():
            trajectory = referred(catalogue)
            take_in(catalogue, trajectory.id, date(2024, 2, 12))
            hold_session(catalogue, trajectory.id, date(2024, 2, 20))
            assert catalogue.trajectory(trajectory.id).sessions_held == 1
            with pytest.raises(TrajectoryNotFound):
                reader.trajectory(trajectory.id)

        stored = reader.trajectory(trajectory.id)
        assert stored.version == 3 and stored.sessions_held == 1
    finally:
        reader.close()


def test_a_referral_of_a_participant_new_in_the_batch_reads_no_enrolment(
    catalogue: Trajectories, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a batch's reads of the store, watched
    asked = reads_of(catalogue, monkeypatch)

    # When a participant registered in the batch is referred, and referred again
    with catalogue.batch():
        trajectory = referred(catalogue)
        again = Refer(
            participant_id=trajectory.participant_id,
            programme=PROGRAMME,
            organisation=ORGANISATION,
            referral_source=ReferralSource.VDAB,
            on=date(2024, 2, 3),
        )
        # Then the second referral finds the first one's enrolment in the batch
        with pytest.raises(OpenTrajectoryExists):
            catalogue.refer(again, recorded_by=COACH)

    # And the store was not asked for an enrolment the participant cannot have yet
    enrolment = Enrolment.id_for(trajectory.participant_id, PROGRAMME)
    assert enrolment not in asked
    # And once the batch is stored, a referral outside it reads the enrolment
    with pytest.raises(OpenTrajectoryExists):
        catalogue.refer(again, recorded_by=COACH)
    assert enrolment in asked


def test_a_batch_that_fails_stores_nothing(catalogue: Trajectories) -> None:
    with pytest.raises(IntakeAlreadyCompleted), catalogue.batch():
        trajectory = referred(catalogue)
        take_in(catalogue, trajectory.id, date(2024, 2, 12))
        take_in(catalogue, trajectory.id, date(2024, 2, 13))

    with pytest.raises(TrajectoryNotFound):
        catalogue.trajectory(trajectory.id)
    with pytest.raises(ParticipantNotFound):
        catalogue.participant(trajectory.participant_id)
