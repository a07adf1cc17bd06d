"""Coaches are people of an organisation: registered once, chosen by id, one per
name in an organisation whatever its spelling; histories that named their coach
only keep working."""

from datetime import date
from typing import Any
from uuid import UUID
from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from application.access import Role
from application.errors import CoachAlreadyRegistered
from application.errors import CoachNotFound
from application.projections.caseload.queries import CaseloadQuery
from application.service import Trajectories
from application.views import Views
from domain.coach import Coach
from domain.commands import AssignCoach
from domain.commands import CoachLeaves
from domain.commands import RegisterCoach
from domain.errors import CoachHasLeft
from domain.errors import CoachOfAnotherOrganisation
from tests.service_builders import ORGANISATION
from tests.service_builders import coach_id
from tests.service_builders import register_buso_programme
from tests.service_builders import taken_in

ELSEWHERE = "Groep Intro"


def register(
    service: Trajectories, name: str, organisation: str = ORGANISATION
) -> UUID:
    return service.register_coach(
        RegisterCoach(name=name, organisation=organisation), recorded_by="admin"
    ).id


def test_coaches_are_listed_by_organisation_and_name(service: Trajectories) -> None:
    register(service, "Mieke Janssens")
    register(service, "Bram Peeters")
    register(service, "Bram Peeters", ELSEWHERE)  # another person

    mine = service.coaches_of(ORGANISATION)
    everyone = service.coaches_of()

    assert [c.name for c in mine] == ["Bram Peeters", "Mieke Janssens"]
    assert [(c.organisation, c.name) for c in everyone] == [
        (ELSEWHERE, "Bram Peeters"),
        (ORGANISATION, "Bram Peeters"),
        (ORGANISATION, "Mieke Janssens"),
    ]
    assert everyone[0].id != everyone[1].id


def test_the_same_name_in_another_spelling_is_refused(service: Trajectories) -> None:
    register(service, "Hélène Dubois")

    with pytest.raises(CoachAlreadyRegistered) as refused:
        register(service, "  helene   DUBOIS ")

    assert refused.value.code == "coach_already_registered"
    assert len(service.coaches_of(ORGANISATION)) == 1


def test_a_staff_member_given_a_token_is_one_of_the_coaches(
    service: Trajectories,
) -> None:
    service.create_token(
        role=Role.STAFF, name="Jens Maes", organisation=ORGANISATION, recorded_by="a"
    )
    service.create_token(
        role=Role.STAFF, name="jens maes", organisation=ORGANISATION, recorded_by="a"
    )
    service.create_token(
        role=Role.AUDITOR, name="Ann", organisation=None, recorded_by="a"
    )

    assert [c.name for c in service.coaches_of(ORGANISATION)] == ["Jens Maes"]


def test_an_intake_names_a_registered_coach_of_the_organisation(
    service: Trajectories,
) -> None:
    register_buso_programme(service)
    trajectory_id = taken_in(service, coach="Hilde")

    trajectory = service.trajectory(trajectory_id)

    assert (trajectory.coach, trajectory.coach_id) == (
        "Hilde",
        Coach.id_for(ORGANISATION, "Hilde"),
    )


def test_an_unknown_a_foreign_or_a_departed_coach_is_refused(
    service: Trajectories,
) -> None:
    register_buso_programme(service)
    trajectory_id = taken_in(service, coach="Hilde")
    foreign = register(service, "Jan", ELSEWHERE)
    departed = register(service, "Mieke")
    service.coach_leaves(departed, CoachLeaves(on=date(2024, 1, 31)), recorded_by="a")
    version = service.trajectory(trajectory_id).version

    def assign(coach_id: UUID) -> None:
        service.record(
            trajectory_id,
            AssignCoach(on=date(2024, 3, 1), coach_id=coach_id),
            recorded_by="Hilde",
        )

    with pytest.raises(CoachNotFound):
        assign(uuid4())
    with pytest.raises(CoachOfAnotherOrganisation):
        assign(foreign)
    with pytest.raises(CoachHasLeft) as left:
        assign(departed)

    assert left.value.message == "Mieke left the organisation on 2024-01-31"
    assert service.trajectory(trajectory_id).version == version


def test_a_history_naming_its_coach_only_belongs_to_the_coach_of_that_name(
    service: Trajectories,
) -> None:
    """Given an intake stored before coaches were registered (version 1 of
    IntakeCompleted: the coach's name, no id), then the trajectory and the
    caseload attribute it to the organisation's coach of that name."""
    register_buso_programme(service)
    trajectory_id = taken_in(service, coach="Hilde")
    old_id = uuid4()
    rows = []
    for stored in service.recorder.select_events(trajectory_id):
        state = stored.state
        if stored.topic == "trajectory:IntakeCompleted":
            hilde = str(coach_id(service, "Hilde")).replace("-", "")
            state = state.replace(b',"class_version":2', b"")
            state = state.replace(
                b',"coach_id":{"_type_":"uuid_hex","_data_":"' + hilde.encode() + b'"}',
                b"",
            )
            state = state.replace(b'"Hilde"', b'"hilde"')  # typed in lower case
            assert b"coach_id" not in state and b"class_version" not in state
        rows.append(StoredEvent(old_id, stored.originator_version, stored.topic, state))
    service.recorder.insert_events(rows)
    views = Views(service)
    try:
        views.catch_up()
        page = views.caseload_page(CaseloadQuery(coach_id=coach_id(service, "Hilde")))
    finally:
        views.stop()

    old = service.trajectory(old_id)
    assert (old.coach, old.coach_id) == ("hilde", Coach.id_for(ORGANISATION, "Hilde"))
    assert {e.trajectory_id for e in page.entries} == {trajectory_id, old_id}
    assert [(t.coach_id, t.active) for t in page.coaches] == [
        (coach_id(service, "Hilde"), 2)
    ]


def test_a_registration_that_loses_the_log_s_next_place_is_saved_whole_after(
    service: Trajectories, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given another registration that takes the log's next place first, once
    store = service.writes.store
    lost: list[tuple[Any, ...]] = []

    def first_loses(*saved: Any, **writes: Any) -> None:
        if not lost:
            lost.append(saved)
            service.register_coach(
                RegisterCoach(name="Bram Peeters", organisation=ORGANISATION),
                recorded_by="admin",
            )
            store(*saved, **writes)  # the log's place is taken now: this fails
        store(*saved, **writes)

    monkeypatch.setattr(service.writes, "store", first_loses)

    # When a coach's registration tries again after losing
    coach_id = register(service, "Mieke Janssens")

    # Then the coach is registered, and listed once beside the other
    assert lost
    assert service.coach(coach_id).name == "Mieke Janssens"
    names = [c.name for c in service.coaches_of(ORGANISATION)]
    assert names == ["Bram Peeters", "Mieke Janssens"]


def test_many_coaches_are_read_in_one_query_as_each_is_read_alone(
    service: Trajectories,
) -> None:
    # Given coaches, one of whom left, and ids that are no coach's
    register_buso_programme(service)
    mieke, jan = register(service, "Mieke Janssens"), register(service, "Jan Peeters")
    service.coach_leaves(mieke, CoachLeaves(on=date(2024, 6, 30)), recorded_by="admin")
    trajectory_id = taken_in(service)

    # When they are read together
    read = service.writes.read_many([mieke, jan, trajectory_id, uuid4(), jan], Coach)

    # Then the coaches come, each as reading it alone gives it, and nothing else
    assert sorted(read) == sorted([mieke, jan])
    for coach_id_ in (mieke, jan):
        alone = service.coach(coach_id_)
        assert (read[coach_id_].name, read[coach_id_].version) == (
            alone.name,
            alone.version,
        )
        assert read[coach_id_].left_on == alone.left_on
    assert read[mieke].left_on == date(2024, 6, 30)
