"""A group session is recorded once: every participant's trajectory gets its session
with the group's id, all or nothing; one participant who cannot take part refuses the
whole group, naming them."""

from datetime import date
from typing import Any
from uuid import UUID

import pytest

from application.errors import GroupSessionNotFound
from application.idempotency import IdempotencyKey
from application.service import Trajectories
from domain.commands import HoldGroupSession
from domain.commands import Suspend
from domain.errors import GroupMemberRefused
from domain.errors import GroupSessionNotInGroup
from domain.errors import GroupTooSmall
from domain.errors import ParticipantTwiceInGroup
from domain.vocabulary import SessionMode
from domain.vocabulary import SessionSetting
from domain.vocabulary import SuspensionReason
from tests.service_builders import ORGANISATION
from tests.service_builders import register_buso_programme
from tests.service_builders import taken_in

ON = date(2024, 3, 5)


def workshop(*trajectory_ids: UUID, **overrides: Any) -> HoldGroupSession:
    fields: dict[str, Any] = {
        "trajectory_ids": list(trajectory_ids),
        "on": ON,
        "minutes": 120,
        "mode": SessionMode.JOB_WORKSHOP,
        "setting": SessionSetting.OFFICE,
        "note": "jobatelier: sollicitatiebrief",
        **overrides,
    }
    return HoldGroupSession(**fields)


def three_taken_in(service: Trajectories) -> list[UUID]:
    register_buso_programme(service)
    return [taken_in(service) for _ in range(3)]


def versions(service: Trajectories, ids: list[UUID]) -> list[int]:
    return [service.trajectory(t).version for t in ids]


def test_each_participant_gets_the_session_with_the_group_s_id(
    service: Trajectories,
) -> None:
    ids = three_taken_in(service)

    answer = service.hold_group_session(
        workshop(*ids), recorded_by="Hilde", within=ORGANISATION
    )

    group = service.group_session(answer.id, ORGANISATION)
    assert group.trajectory_ids == ids
    assert (group.on, group.minutes, group.mode) == (ON, 120, SessionMode.JOB_WORKSHOP)
    for trajectory_id in ids:
        trajectory = service.trajectory(trajectory_id)
        [*_, last] = service.history(trajectory_id)
        assert last.type == "SessionHeld"
        assert last.data["group_session_id"] == answer.id
        assert last.data["note"] == "jobatelier: sollicitatiebrief"
        assert (trajectory.session_minutes, trajectory.last_contact_on) == (120, ON)


def test_one_participant_who_cannot_take_part_refuses_the_whole_group(
    service: Trajectories,
) -> None:
    ids = three_taken_in(service)
    service.record(
        ids[1],
        Suspend(on=date(2024, 3, 1), reason=SuspensionReason.HOSPITALISATION),
        recorded_by="Hilde",
    )
    before = versions(service, ids)

    with pytest.raises(GroupMemberRefused) as refused:
        service.hold_group_session(
            workshop(*ids), recorded_by="Hilde", within=ORGANISATION
        )

    assert refused.value.code == "group_member_refused"
    assert refused.value.values["position"] == 2
    assert refused.value.values["trajectory_id"] == ids[1]
    assert refused.value.message.startswith(
        f"participant 2 of the group (trajectory {ids[1]}): "
    )
    assert "suspended" in refused.value.message
    assert versions(service, ids) == before


def test_a_trajectory_of_another_organisation_refuses_the_group(
    service: Trajectories,
) -> None:
    ids = three_taken_in(service)
    before = versions(service, ids)

    with pytest.raises(GroupMemberRefused) as refused:
        service.hold_group_session(
            workshop(*ids), recorded_by="Jan", within="Groep Intro"
        )

    assert refused.value.values["position"] == 1
    assert "does not exist" in refused.value.message  # another's is not found
    assert versions(service, ids) == before


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"trajectory_ids": "one"}, GroupTooSmall),
        ({"trajectory_ids": "twice"}, ParticipantTwiceInGroup),
        ({"mode": SessionMode.INDIVIDUAL}, GroupSessionNotInGroup),
    ],
    ids=["one participant", "one twice", "individual"],
)
def test_a_group_that_is_no_group_is_refused(
    service: Trajectories, change: dict[str, Any], error: type[Exception]
) -> None:
    ids = three_taken_in(service)
    members = {"one": ids[:1], "twice": [ids[0], ids[1], ids[0]]}
    if "trajectory_ids" in change:
        change = {"trajectory_ids": members[change["trajectory_ids"]]}
    before = versions(service, ids)

    with pytest.raises(error):
        service.hold_group_session(
            workshop(**change)
            if "trajectory_ids" in change
            else workshop(*ids, **change),
            recorded_by="Hilde",
            within=ORGANISATION,
        )

    assert versions(service, ids) == before


def test_a_retried_group_is_recorded_once(service: Trajectories) -> None:
    ids = three_taken_in(service)
    key = IdempotencyKey(scope="Hilde", key="group-1", fingerprint="the workshop")

    first = service.hold_group_session(
        workshop(*ids), recorded_by="Hilde", within=ORGANISATION, key=key
    )
    again = service.hold_group_session(
        workshop(*ids), recorded_by="Hilde", within=ORGANISATION, key=key
    )

    assert (again.id, again.replayed) == (first.id, True)
    assert [service.trajectory(t).session_minutes for t in ids] == [120, 120, 120]


def test_another_organisation_s_group_is_not_found(service: Trajectories) -> None:
    ids = three_taken_in(service)
    answer = service.hold_group_session(
        workshop(*ids), recorded_by="Hilde", within=ORGANISATION
    )

    with pytest.raises(GroupSessionNotFound):
        service.group_session(answer.id, "Groep Intro")
