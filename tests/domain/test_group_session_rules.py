"""The GroupSession aggregate's rules (those of the group as a whole), Given / When /
Then. Each participant's own rules are their trajectory's."""

from datetime import date
from typing import Any
from uuid import UUID
from uuid import uuid4

import pytest

from domain.commands import MAX_GROUP_SIZE
from domain.commands import HoldGroupSession
from domain.errors import DateInFuture
from domain.errors import GroupSessionNotInGroup
from domain.errors import GroupTooLarge
from domain.errors import GroupTooSmall
from domain.errors import ParticipantTwiceInGroup
from domain.errors import SessionMinutesOutOfRange
from domain.group_session import GroupSession
from domain.vocabulary import SessionMode
from domain.vocabulary import SessionSetting

MEMBERS = [uuid4(), uuid4(), uuid4()]


def held(**overrides: Any) -> GroupSession:
    fields: dict[str, Any] = {
        "trajectory_ids": MEMBERS,
        "on": date(2024, 3, 5),
        "minutes": 90,
        "mode": SessionMode.DIALOGUE_TABLE,
        "setting": SessionSetting.OUTREACH,
        "note": "dialoogtafel in de wijk",
        **overrides,
    }
    return GroupSession.hold(
        HoldGroupSession(**fields), organisation="Regio ZORA", recorded_by="Sofie"
    )


def test_a_group_session_keeps_what_the_group_shares_and_who_took_part() -> None:
    group = held()

    assert group.trajectory_ids == MEMBERS
    assert (group.on, group.minutes, group.mode, group.organisation) == (
        date(2024, 3, 5),
        90,
        SessionMode.DIALOGUE_TABLE,
        "Regio ZORA",
    )
    [event] = group.collect_events()
    assert "note" not in vars(event)  # the note is each participant's, sealed


@pytest.mark.parametrize("mode", [SessionMode.GROUP, SessionMode.JOB_WORKSHOP])
def test_every_group_mode_is_a_group_session(mode: SessionMode) -> None:
    assert held(mode=mode).mode is mode


def test_an_individual_session_is_no_group_session() -> None:
    with pytest.raises(GroupSessionNotInGroup) as refused:
        held(mode=SessionMode.INDIVIDUAL)

    assert refused.value.message == (
        "a group session is held in a group, not in individual mode"
    )


@pytest.mark.parametrize("members", [[], [uuid4()]])
def test_a_group_has_at_least_two_participants(members: list[UUID]) -> None:
    with pytest.raises(GroupTooSmall):
        held(trajectory_ids=members)


def test_a_group_has_at_most_its_limit() -> None:
    with pytest.raises(GroupTooLarge):
        held(trajectory_ids=[uuid4() for _ in range(MAX_GROUP_SIZE + 1)])


def test_a_participant_is_in_the_group_once() -> None:
    with pytest.raises(ParticipantTwiceInGroup) as refused:
        held(trajectory_ids=[MEMBERS[0], MEMBERS[1], MEMBERS[0]])

    assert refused.value.values["trajectory_id"] == MEMBERS[0]


def test_a_group_session_is_not_in_the_future() -> None:
    with pytest.raises(DateInFuture):
        held(on=date(2099, 1, 1))


@pytest.mark.parametrize("minutes", [0, 24 * 60 + 1])
def test_a_group_session_s_length_is_the_group_s_to_get_right(minutes: int) -> None:
    # When a group session of no length (or longer than a day) is held
    with pytest.raises(SessionMinutesOutOfRange) as refused:
        held(minutes=minutes)

    # Then the group is refused for its length, before any participant is looked at
    assert refused.value.message == (
        f"a session of {minutes} minutes is not between 1 and 1440"
    )
