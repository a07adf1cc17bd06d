"""The caseload view, scenario by scenario, on SQLite and PostgreSQL: open
trajectories with what their coach must act on, and the totals per coach (see
DOMAIN.md, "The views"). Dates count back from today, as the alerts do."""

from datetime import date
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from application.projections.caseload.queries import CaseloadEntry
from application.projections.caseload.queries import CaseloadPage
from application.projections.caseload.queries import CaseloadQuery
from application.projections.caseload.queries import CoachTotal
from application.service import Trajectories
from application.views import Views
from domain.calendar import today
from domain.coach import Coach
from domain.commands import AssessLadder
from domain.commands import AssignCoach
from domain.commands import Complete
from domain.commands import CompleteIntake
from domain.commands import CorrectEntryProfile
from domain.commands import DeclineReferral
from domain.commands import DropOut
from domain.commands import EndPlacement
from domain.commands import HoldSession
from domain.commands import IdentifyBarrier
from domain.commands import Refer
from domain.commands import RegisterParticipant
from domain.commands import RegisterProgramme
from domain.commands import Reopen
from domain.commands import ResolveBarrier
from domain.commands import RetractEntry
from domain.commands import StartPlacement
from domain.commands import Suspend
from domain.errors import InvalidValue
from domain.vocabulary import Barrier
from domain.vocabulary import DeclineReason
from domain.vocabulary import Destination
from domain.vocabulary import DropoutReason
from domain.vocabulary import EducationLevel
from domain.vocabulary import Gender
from domain.vocabulary import LabourStatus
from domain.vocabulary import PlacementEndReason
from domain.vocabulary import PlacementType
from domain.vocabulary import ProfileField
from domain.vocabulary import ReferralSource
from domain.vocabulary import SessionMode
from domain.vocabulary import SessionSetting
from domain.vocabulary import SuspensionReason
from tests.service_builders import coach_for

ALPHA = "ALPHA"
BETA = "BETA"
ORG_A = "Werkburo Gent"
ORG_B = "Werkburo Antwerpen"
HILDE = "Hilde"
JAN = "Jan"
BAKERY_JOB = UUID("0c9d7e6f-1a2b-4c3d-8e5f-6a7b8c9d0e01")
CITY_INTERNSHIP = UUID("0c9d7e6f-1a2b-4c3d-8e5f-6a7b8c9d0e02")


def days_ago(days: int) -> date:
    return today() - timedelta(days=days)


# Recording histories ----------------------------------------------------------------


@pytest.fixture
def views(service: Trajectories) -> Views:
    return two_programmes(service)


def two_programmes(service: Trajectories) -> Views:
    """ALPHA run by organisations A and B, BETA by B; the views of the service."""
    common: dict[str, Any] = {
        "funder": "ESF Vlaanderen",
        "starts_on": date(2020, 1, 1),
        "ends_on": date(2099, 12, 31),
        "budget": Decimal("100000.00"),
        "min_age": 16,
        "max_age": 64,
    }
    service.register_programme(
        RegisterProgramme(
            code=ALPHA, name="Alpha", organisations=[ORG_A, ORG_B], **common
        ),
        recorded_by="admin",
    )
    service.register_programme(
        RegisterProgramme(code=BETA, name="Beta", organisations=[ORG_B], **common),
        recorded_by="admin",
    )
    return Views(service)


def refer(
    service: Trajectories,
    on: date,
    *,
    given_name: str = "Lotte",
    family_name: str = "Claes",
    programme: str = ALPHA,
    organisation: str = ORG_A,
) -> UUID:
    participant = service.register_participant(
        RegisterParticipant(
            given_name=given_name,
            family_name=family_name,
            birth_date=date(1990, 5, 1),
            gender=Gender.F,
            confirmed_new_person=True,  # people of one name, each their own
        ),
        recorded_by=HILDE,
    )
    trajectory = service.refer(
        Refer(
            participant_id=participant.id,
            programme=programme,
            organisation=organisation,
            referral_source=ReferralSource.VDAB,
            on=on,
        ),
        recorded_by=HILDE,
    )
    return trajectory.id


def take_in(
    service: Trajectories,
    trajectory_id: UUID,
    on: date,
    *,
    coach: str = HILDE,
    rung: int = 2,
    barriers: tuple[Barrier, ...] = (),
) -> int:
    return service.record(
        trajectory_id,
        CompleteIntake(
            on=on,
            coach_id=coach_for(service, trajectory_id, coach),
            rung=rung,
            labour_status=LabourStatus.LONG_TERM_UNEMPLOYED,
            education_level=EducationLevel.ISCED_0_2,
            barriers=list(barriers),
            disability=False,
            postcode="9000",
        ),
        recorded_by=coach,
    ).version


def hold_session(service: Trajectories, trajectory_id: UUID, on: date) -> int:
    return service.record(
        trajectory_id,
        HoldSession(
            on=on,
            minutes=45,
            mode=SessionMode.INDIVIDUAL,
            setting=SessionSetting.OFFICE,
            note="talked about the CV",
        ),
        recorded_by=HILDE,
    ).version


def referred_and_taken_in(
    service: Trajectories, referred: int, taken_in: int, **intake: Any
) -> UUID:
    """A trajectory referred and taken in so many days ago."""
    trajectory = refer(service, days_ago(referred))
    take_in(service, trajectory, days_ago(taken_in), **intake)
    return trajectory


def total(organisation: str, coach: str | None, **counts: int) -> CoachTotal:
    """A coach's totals, the coach by name in the organisation (None: no coach)."""
    coach_id = None if coach is None else Coach.id_for(organisation, coach)
    return CoachTotal(organisation, coach_id, coach, **counts)


def page(views: Views, **query: Any) -> CaseloadPage:
    views.catch_up()
    return views.caseload_page(CaseloadQuery(**query))


def entries(views: Views, **query: Any) -> dict[UUID, CaseloadEntry]:
    return {entry.trajectory_id: entry for entry in page(views, **query).entries}


# A caseload of every stage and alert ---------------------------------------------


def nine_open_and_three_closed(service: Trajectories) -> dict[str, UUID]:
    """Nine open trajectories, named by what their coach sees, and three that ended.
    The alert follows the days since the last contact (an intake or a session)."""
    ids: dict[str, UUID] = {}
    # Referred ten days ago, no intake yet: no coach, no contact.
    ids["waiting"] = refer(
        service, days_ago(10), given_name="Wout", family_name="Peeters"
    )

    # Taken in 40 days ago with two barriers; mobility resolved, care identified,
    # assessed rung 4; two placements, the later one ended; a session 30 days ago.
    fresh = ids["fresh"] = referred_and_taken_in(
        service, 50, 40, rung=2, barriers=(Barrier.HOUSING, Barrier.MOBILITY)
    )
    service.record(
        fresh,
        ResolveBarrier(on=days_ago(35), barrier=Barrier.MOBILITY),
        recorded_by=HILDE,
    )
    service.record(
        fresh, IdentifyBarrier(on=days_ago(34), barrier=Barrier.CARE), recorded_by=HILDE
    )
    service.record(fresh, AssessLadder(on=days_ago(33), rung=4), recorded_by=HILDE)
    service.record(
        fresh,
        StartPlacement(
            placement_id=BAKERY_JOB,
            on=days_ago(32),
            placement_type=PlacementType.REGULAR_JOB,
            employer="Bakkerij Claes",
            paid=True,
            hours_per_week=19.0,
        ),
        recorded_by=HILDE,
    )
    service.record(
        fresh,
        StartPlacement(
            placement_id=CITY_INTERNSHIP,
            on=days_ago(31),
            placement_type=PlacementType.INTERNSHIP,
            employer="Stad Gent",
            paid=False,
            hours_per_week=10.0,
        ),
        recorded_by=HILDE,
    )
    service.record(
        fresh,
        EndPlacement(
            placement_id=CITY_INTERNSHIP,
            on=days_ago(30),
            reason=PlacementEndReason.CONTRACT_ENDED,
        ),
        recorded_by=HILDE,
    )
    hold_session(service, fresh, days_ago(30))  # 30 days: not more than 30, no alert

    ids["amber_31"] = referred_and_taken_in(service, 60, 50)
    hold_session(service, ids["amber_31"], days_ago(31))  # more than 30: amber
    ids["amber_60"] = referred_and_taken_in(service, 80, 70)
    hold_session(service, ids["amber_60"], days_ago(60))  # not more than 60: amber
    ids["red_61"] = referred_and_taken_in(service, 80, 61)  # more than 60: red
    ids["red_89"] = referred_and_taken_in(service, 100, 89)  # under 90: red
    ids["exit_90"] = referred_and_taken_in(service, 100, 90)  # 90: exit candidate

    # In BETA with organisation B: taken in by Hilde, handed to Jan, suspended.
    suspended = ids["suspended"] = refer(
        service, days_ago(30), programme=BETA, organisation=ORG_B
    )
    take_in(service, suspended, days_ago(20))
    service.record(
        suspended,
        AssignCoach(on=days_ago(15), coach_id=coach_for(service, suspended, JAN)),
        recorded_by=HILDE,
    )
    service.record(
        suspended,
        Suspend(on=days_ago(5), reason=SuspensionReason.HOSPITALISATION),
        recorded_by=JAN,
    )

    # Jan's: completed 20 days ago, reopened 10 days ago; last contact the intake.
    reopened = ids["reopened"] = referred_and_taken_in(service, 60, 40, coach=JAN)
    service.record(
        reopened,
        Complete(on=days_ago(20), destination=Destination.OTHER),
        recorded_by=JAN,
    )
    service.record(
        reopened, Reopen(on=days_ago(10), reason="came back"), recorded_by=JAN
    )

    # Ended: declined, completed, dropped out. None is on the caseload.
    declined = refer(service, days_ago(30))
    service.record(
        declined,
        DeclineReferral(on=days_ago(25), reason=DeclineReason.REFUSED),
        recorded_by=HILDE,
    )
    completed = referred_and_taken_in(service, 60, 40)
    service.record(
        completed,
        Complete(on=days_ago(10), destination=Destination.EMPLOYED),
        recorded_by=HILDE,
    )
    dropped = referred_and_taken_in(service, 60, 40)
    service.record(
        dropped, DropOut(on=days_ago(10), reason=DropoutReason.MOVED), recorded_by=HILDE
    )
    return ids


def test_only_referred_active_and_suspended_trajectories_are_on_the_caseload(
    service: Trajectories, views: Views
) -> None:
    ids = nine_open_and_three_closed(service)

    shown = page(views)

    assert {entry.trajectory_id for entry in shown.entries} == set(ids.values())
    assert shown.total == 9
    stages = {entry.trajectory_id: entry.stage for entry in shown.entries}
    assert stages[ids["waiting"]] == "referred"
    assert stages[ids["suspended"]] == "suspended"
    assert stages[ids["reopened"]] == "active"


def test_an_entry_shows_what_the_coach_needs_to_see(
    service: Trajectories, views: Views
) -> None:
    ids = nine_open_and_three_closed(service)
    fresh = ids["fresh"]

    entry = entries(views)[fresh]

    placement = dict(entry.current_placement or {})
    # The id as the store keeps it (hex); the HTTP schema reads it as a UUID.
    assert UUID(placement.pop("placement_id")) == BAKERY_JOB
    assert placement == {  # the internship, started later, has ended
        "placement_type": "regular_job",
        "employer": "Bakkerij Claes",
        "started_on": days_ago(32).isoformat(),
        "hours_per_week": 19.0,
        "paid": True,
    }
    assert entry == CaseloadEntry(
        trajectory_id=fresh,
        participant_id=service.trajectory(fresh).participant_id,
        participant_name="Lotte Claes",
        age_band="30-54",  # born 1990-05-01
        programme=ALPHA,
        organisation=ORG_A,
        coach=HILDE,
        coach_id=Coach.id_for(ORG_A, HILDE),
        stage="active",
        referred_on=days_ago(50).isoformat(),
        referral_source="vdab",
        days_waiting_for_intake=None,  # taken in
        intake_on=days_ago(40).isoformat(),
        last_contact_on=days_ago(30).isoformat(),
        days_since_contact=30,
        alert=None,
        open_barriers=["housing", "care"],  # mobility resolved, care identified
        rung_at_intake=2,
        latest_rung=4,  # the assessment
        current_placement=entry.current_placement,  # as above
    )


def test_a_referral_waits_for_its_intake_without_contact_or_alert(
    service: Trajectories, views: Views
) -> None:
    ids = nine_open_and_three_closed(service)

    waiting = entries(views)[ids["waiting"]]

    assert waiting.participant_name == "Wout Peeters"
    assert waiting.days_waiting_for_intake == 10
    assert waiting.coach is None
    assert waiting.intake_on is None
    assert waiting.last_contact_on is None
    assert waiting.days_since_contact is None
    assert waiting.alert is None
    assert waiting.rung_at_intake is None and waiting.latest_rung is None
    assert waiting.open_barriers == []
    assert waiting.current_placement is None


def test_alerts_at_the_30_60_and_90_day_boundaries(
    service: Trajectories, views: Views
) -> None:
    ids = nine_open_and_three_closed(service)

    shown = entries(views)

    assert {
        name: (shown[ids[name]].days_since_contact, shown[ids[name]].alert)
        for name in ids
    } == {
        "waiting": (None, None),
        "fresh": (30, None),
        "amber_31": (31, "amber"),
        "amber_60": (60, "amber"),
        "red_61": (61, "red"),
        "red_89": (89, "red"),
        "exit_90": (90, "exit_candidate"),
        "suspended": (20, None),  # the intake; a suspension is no contact
        "reopened": (40, "amber"),  # the intake; a reopening is no contact
    }


FILTERS: list[tuple[dict[str, Any], set[str]]] = [
    ({"coach": JAN}, {"suspended", "reopened"}),
    ({"coach": HILDE, "alert": "red"}, {"red_61", "red_89"}),
    ({"stage": "referred"}, {"waiting"}),
    ({"stage": "suspended"}, {"suspended"}),
    (
        {"stage": "active"},
        {"fresh", "amber_31", "amber_60", "red_61", "red_89", "exit_90", "reopened"},
    ),
    ({"programme": BETA}, {"suspended"}),
    ({"organisation": ORG_B}, {"suspended"}),
    ({"alert": "amber"}, {"amber_31", "amber_60", "reopened"}),
    ({"alert": "red"}, {"red_61", "red_89"}),
    ({"alert": "exit_candidate"}, {"exit_90"}),
]


def test_filters(service: Trajectories, views: Views) -> None:
    ids = nine_open_and_three_closed(service)

    for query, expected in FILTERS:
        shown = page(views, **query)

        assert {entry.trajectory_id for entry in shown.entries} == {
            ids[name] for name in expected
        }, query
        assert shown.total == len(expected), query


def test_totals_per_coach(service: Trajectories, views: Views) -> None:
    nine_open_and_three_closed(service)

    everyone = page(views)
    jans = page(views, coach=JAN)

    assert everyone.coaches == [
        total(ORG_A, None, active=0, suspended=0, referred=1),  # waiting
        # fresh, amber_31, amber_60, red_61, red_89, exit_90
        total(ORG_A, HILDE, active=6, suspended=0, referred=0),
        total(ORG_B, JAN, active=0, suspended=1, referred=0),  # another person
        total(ORG_A, JAN, active=1, suspended=0, referred=0),  # reopened
    ]
    assert not any(total.over_benchmark for total in everyone.coaches)
    assert everyone.benchmark == 20
    assert jans.coaches == [
        total(ORG_B, JAN, active=0, suspended=1, referred=0),
        total(ORG_A, JAN, active=1, suspended=0, referred=0),
    ]
    assert page(views, coach="jan").coaches == jans.coaches  # any case
    assert page(views, coach_id=Coach.id_for(ORG_B, JAN)).coaches == [
        total(ORG_B, JAN, active=0, suspended=1, referred=0)
    ]


def test_a_coach_with_more_than_20_active_trajectories_is_over_the_benchmark(
    service: Trajectories, views: Views
) -> None:
    with service.batch():
        marcs = [referred_and_taken_in(service, 5, 3, coach="Marc") for _ in range(21)]
    over = page(views, coach="Marc")

    service.record(
        marcs[0],
        Suspend(on=days_ago(1), reason=SuspensionReason.CARE),
        recorded_by="Marc",
    )

    at_the_benchmark = page(views, coach="Marc")
    assert over.coaches == [total(ORG_A, "Marc", active=21, suspended=0, referred=0)]
    assert over.coaches[0].over_benchmark  # 21 > 20
    assert at_the_benchmark.coaches == [
        total(ORG_A, "Marc", active=20, suspended=1, referred=0)
    ]
    assert not at_the_benchmark.coaches[0].over_benchmark  # at most 20 is fine


def test_entries_come_in_the_order_of_the_coach_totals(
    service: Trajectories, views: Views
) -> None:
    nine_open_and_three_closed(service)

    shown = page(views)

    coaches_in_entry_order = list(
        dict.fromkeys((e.organisation, e.coach) for e in shown.entries)
    )
    assert coaches_in_entry_order == [
        (total.organisation, total.coach) for total in shown.coaches
    ]
    assert coaches_in_entry_order == [
        (ORG_A, None),
        (ORG_A, HILDE),
        (ORG_B, JAN),
        (ORG_A, JAN),
    ]


def test_a_page_is_a_slice_of_the_whole_caseload(
    service: Trajectories, views: Views
) -> None:
    nine_open_and_three_closed(service)
    everything = page(views).entries

    second_page = page(views, limit=3, offset=3)

    assert second_page.entries == everything[3:6]
    assert second_page.total == 9  # the whole caseload, not the page


def test_an_erased_participant_is_shown_as_erased(
    service: Trajectories, views: Views
) -> None:
    trajectory = referred_and_taken_in(service, 20, 10)
    assert entries(views)[trajectory].participant_name == "Lotte Claes"
    participant = service.participant(service.trajectory(trajectory).participant_id)

    participant.erase(recorded_by="dpo")
    service.save(participant)

    entry = entries(views)[trajectory]
    assert entry.participant_name == "erased"
    assert entry.age_band == "30-54"  # a code, kept
    assert entry.days_since_contact == 10


def test_a_retracted_session_is_no_contact(service: Trajectories, views: Views) -> None:
    trajectory = referred_and_taken_in(service, 80, 70)
    session = hold_session(service, trajectory, days_ago(10))
    assert entries(views)[trajectory].alert is None  # 10 days

    service.record(
        trajectory,
        RetractEntry(on=days_ago(1), version=session, reason="wrong dossier"),
        recorded_by=HILDE,
    )

    entry = entries(views)[trajectory]
    assert entry.last_contact_on == days_ago(70).isoformat()  # the intake again
    assert (entry.days_since_contact, entry.alert) == (70, "red")


def test_entry_profile_corrections_show_as_the_trajectory_has_them(
    service: Trajectories, views: Views
) -> None:
    trajectory = referred_and_taken_in(
        service, 50, 40, rung=3, barriers=(Barrier.HOUSING, Barrier.MOBILITY)
    )
    service.record(
        trajectory,
        ResolveBarrier(on=days_ago(30), barrier=Barrier.MOBILITY),
        recorded_by=HILDE,
    )

    # Housing goes (known from the entry profile alone); mobility keeps its own
    # resolution; care comes.
    service.record(
        trajectory,
        CorrectEntryProfile(
            on=days_ago(20),
            field=ProfileField.BARRIERS,
            value=["care"],
            reason="mixed up two files",
        ),
        recorded_by=HILDE,
    )
    service.record(
        trajectory,
        CorrectEntryProfile(
            on=days_ago(20),
            field=ProfileField.RUNG,
            value=1,
            reason="mixed up two files",
        ),
        recorded_by=HILDE,
    )

    entry = entries(views)[trajectory]
    recorded = service.trajectory(trajectory)
    assert entry.open_barriers == ["care"]
    assert entry.open_barriers == [b.value for b in recorded.open_barriers]
    assert (entry.rung_at_intake, entry.latest_rung) == (1, 1)


def test_a_rebuilt_caseload_is_the_same(service: Trajectories, views: Views) -> None:
    nine_open_and_three_closed(service)
    before = page(views)

    views.rebuild("caseload")

    assert views.caseload_page(CaseloadQuery()) == before


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"stage": "declined"}, "stage 'declined' is not on a caseload"),
        ({"alert": "orange"}, "alert 'orange' is none of amber, red, exit_candidate"),
        ({"limit": 0}, "limit must be between 1 and 1000"),
        ({"offset": -1}, "offset must be between 0 and"),
    ],
)
def test_bad_questions_are_refused_with_a_clear_message(
    query: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidValue) as refused:
        CaseloadQuery(**query)

    assert message in str(refused.value)
