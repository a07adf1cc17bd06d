"""The history a release writes into the corpus: every event type of every aggregate,
sealed personal data and notes, snapshots, retractions, a reopening and an erased
participant, through the service's commands as a user would record them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from application.service import Trajectories
from domain.coach import Coach
from domain.commands import AssessLadder
from domain.commands import AssignCoach
from domain.commands import ChangeProgrammePeriod
from domain.commands import CoachLeaves
from domain.commands import Complete
from domain.commands import CompleteIntake
from domain.commands import CorrectEntryProfile
from domain.commands import DeclineReferral
from domain.commands import DropOut
from domain.commands import EndPlacement
from domain.commands import HoldGroupSession
from domain.commands import HoldSession
from domain.commands import IdentifyBarrier
from domain.commands import RecordExitResult
from domain.commands import RecordFollowUp
from domain.commands import Refer
from domain.commands import RegisterCoach
from domain.commands import RegisterParticipant
from domain.commands import RegisterProgramme
from domain.commands import Reopen
from domain.commands import ResolveBarrier
from domain.commands import Resume
from domain.commands import RetractEntry
from domain.commands import StartPlacement
from domain.commands import Suspend
from domain.commands import TrajectoryCommand
from domain.participant import Participant
from domain.vocabulary import Barrier
from domain.vocabulary import DeclineReason
from domain.vocabulary import Destination
from domain.vocabulary import DropoutReason
from domain.vocabulary import EducationLevel
from domain.vocabulary import ExitStatus
from domain.vocabulary import Gender
from domain.vocabulary import LabourStatus
from domain.vocabulary import PlacementEndReason
from domain.vocabulary import PlacementType
from domain.vocabulary import ProfileField
from domain.vocabulary import ReferralSource
from domain.vocabulary import SessionMode
from domain.vocabulary import SessionSetting
from domain.vocabulary import SuspensionReason

# A master key of the corpus' own: the data keys in the corpus are wrapped with it.
MASTER_KEY = "Y29ycHVzIG9mIHN0b3JlZCBldmVudHMsIGZvcmV2ZXI="
SNAPSHOT_INTERVAL = 5  # so that every long history has snapshots
WERKBURO = "Werkburo Oost-Vlaanderen"
INTRO = "Groep Intro"
COACH = "Hilde"
PLACEMENT = UUID("7a1f3c5e-0b2d-4e6f-8a9b-1c2d3e4f5a60")
SECOND_PLACEMENT = UUID("7a1f3c5e-0b2d-4e6f-8a9b-1c2d3e4f5a61")


class Writer:
    def __init__(self, service: Trajectories) -> None:
        self.service = service

    def record(self, trajectory_id: UUID, *commands: TrajectoryCommand) -> int:
        version = 0
        for command in commands:
            answer = self.service.record(trajectory_id, command, recorded_by=COACH)
            version = answer.version
        return version

    def participant(self, given: str, family: str, born: date, **more: Any) -> UUID:
        return self.service.register_participant(
            RegisterParticipant(
                given_name=given,
                family_name=family,
                birth_date=born,
                gender=Gender.F if given in ("Lotte", "Marie") else Gender.M,
                **more,
            ),
            recorded_by=COACH,
            organisation=WERKBURO,
        ).id

    def refer(self, participant_id: UUID, programme: str, on: date) -> UUID:
        return self.service.refer(
            Refer(
                participant_id=participant_id,
                programme=programme,
                organisation=WERKBURO,
                referral_source=ReferralSource.VDAB,
                on=on,
            ),
            recorded_by=COACH,
        ).id


def intake(on: date, rung: int = 2) -> CompleteIntake:
    return CompleteIntake(
        on=on,
        coach_id=Coach.id_for(WERKBURO, COACH),
        rung=rung,
        labour_status=LabourStatus.LONG_TERM_UNEMPLOYED,
        education_level=EducationLevel.ISCED_0_2,
        barriers=[Barrier.MOBILITY, Barrier.DIGITAL],
        disability=True,
        postcode="9300",
    )


def session(on: date, note: str) -> HoldSession:
    return HoldSession(
        on=on,
        minutes=60,
        mode=SessionMode.INDIVIDUAL,
        setting=SessionSetting.OFFICE,
        note=note,
    )


def write_history(service: Trajectories) -> dict[str, UUID]:
    """Writes the corpus history; returns the ids it made, by name."""
    w = Writer(service)
    for code, name, budget, cap in (
        ("SAMENWERKT", "SamenWerkt", Decimal("450000.00"), 36),
        ("BUSO-AALST", "Van BUSO naar begeleid werken", None, None),
    ):
        service.register_programme(
            RegisterProgramme(
                code=code,
                name=name,
                funder="ESF+",
                organisations=[WERKBURO, INTRO],
                starts_on=date(2023, 1, 1),
                ends_on=date(2025, 12, 31),
                budget=budget,
                min_age=16,
                max_age=64,
                session_cap=cap,
            ),
            recorded_by="admin",
        )
    # An ongoing programme (no end date), and a period extended with a new budget.
    service.register_programme(
        RegisterProgramme(
            code="JOBCOACHING",
            name="Jobcoaching",
            funder="Vlaamse overheid",
            organisations=[WERKBURO],
            starts_on=date(2022, 1, 1),
            min_age=18,
            max_age=64,
        ),
        recorded_by="admin",
    )
    service.change_programme_period(
        "SAMENWERKT",
        ChangeProgrammePeriod(
            on=date(2025, 6, 12),
            ends_on=date(2026, 12, 31),
            reason="het ESF+-project werd verlengd",
            budget=Decimal("600000.00"),
        ),
        recorded_by="admin",
    )
    # Coaches of the organisation: one registered by an admin, one who left.
    for coach in (COACH, "Jan", "Mieke"):
        service.register_coach(
            RegisterCoach(name=coach, organisation=WERKBURO), recorded_by="admin"
        )
    service.coach_leaves(
        Coach.id_for(WERKBURO, "Mieke"),
        CoachLeaves(on=date(2024, 6, 30)),
        recorded_by="admin",
    )
    ids: dict[str, UUID] = {}
    lotte = ids["lotte"] = w.participant(
        "Lotte",
        "Claes",
        date(1990, 1, 15),
        national_register_number="90.01.15-123.63",
        email="lotte.claes@example.org",
        phone="+32 470 12 34 56",
    )
    details: Participant = service.writes.get(lotte, Participant)
    details.change_details(
        email="lotte@example.org", phone="+32 9 123 45 67", recorded_by=COACH
    )
    service.save(details)

    # A whole trajectory: every step, a retraction, snapshots every 5 events.
    full = ids["full"] = w.refer(lotte, "SAMENWERKT", date(2024, 1, 8))
    w.record(
        full,
        intake(date(2024, 1, 22)),
        CorrectEntryProfile(
            on=date(2024, 1, 29),
            field=ProfileField.RUNG,
            value=3,
            reason="inschaling herbekeken in het team",
        ),
        AssignCoach(on=date(2024, 2, 1), coach_id=Coach.id_for(WERKBURO, "Jan")),
        session(date(2024, 2, 5), "cv opgesteld"),
        session(date(2024, 2, 12), "sollicitatiegesprek geoefend"),
        IdentifyBarrier(on=date(2024, 2, 12), barrier=Barrier.DEBT_INCOME),
        ResolveBarrier(on=date(2024, 2, 19), barrier=Barrier.MOBILITY),
        AssessLadder(on=date(2024, 2, 26), rung=4),
        StartPlacement(
            placement_id=PLACEMENT,
            on=date(2024, 3, 4),
            placement_type=PlacementType.WORK_EXPERIENCE,
            employer="Kringwinkel Okazi",
            paid=False,
            hours_per_week=12.5,
        ),
        session(date(2024, 3, 11), "op de werkvloer"),
    )
    retracted = w.record(full, session(date(2024, 3, 18), "verkeerd dossier"))
    w.record(
        full,
        RetractEntry(
            on=date(2024, 3, 19),
            version=retracted,
            reason="op het verkeerde traject genoteerd",
        ),
        Suspend(on=date(2024, 3, 25), reason=SuspensionReason.HOSPITALISATION),
        Resume(on=date(2024, 4, 22), reason=SuspensionReason.HOSPITALISATION),
        EndPlacement(
            placement_id=PLACEMENT,
            on=date(2024, 4, 30),
            reason=PlacementEndReason.CONTRACT_ENDED,
        ),
        StartPlacement(
            placement_id=SECOND_PLACEMENT,
            on=date(2024, 5, 6),
            placement_type=PlacementType.REGULAR_JOB_WITH_SUPPORT,
            employer="Bakkerij De Smet",
            paid=True,
            hours_per_week=19,
        ),
        AssessLadder(on=date(2024, 6, 3), rung=5),
        Complete(on=date(2024, 6, 28), destination=Destination.EMPLOYED),
        RecordExitResult(observed_on=date(2024, 7, 5), status=ExitStatus.EMPLOYED),
        RecordFollowUp(
            milestone=6, observed_on=date(2024, 12, 20), status=ExitStatus.EMPLOYED
        ),
        RecordFollowUp(
            milestone=12,
            observed_on=date(2025, 6, 30),
            status=ExitStatus.SELF_EMPLOYED,
        ),
    )

    # A referral declined.
    jonas = ids["jonas"] = w.participant("Jonas", "Peeters", date(2006, 5, 2))
    declined = ids["declined"] = w.refer(jonas, "BUSO-AALST", date(2024, 2, 1))
    w.record(
        declined, DeclineReferral(on=date(2024, 2, 9), reason=DeclineReason.REFUSED)
    )

    # A dropout, reopened, who is then erased.
    marie = ids["marie"] = w.participant(
        "Marie", "Janssens", date(1985, 11, 30), email="marie@example.org"
    )
    reopened = ids["reopened"] = w.refer(marie, "SAMENWERKT", date(2024, 3, 1))
    w.record(
        reopened,
        intake(date(2024, 3, 11), rung=1),
        session(date(2024, 3, 18), "praat over haar schulden"),
        DropOut(on=date(2024, 5, 6), reason=DropoutReason.MENTAL_HEALTH),
        RecordExitResult(observed_on=date(2024, 5, 20), status=ExitStatus.INACTIVE),
        Reopen(on=date(2024, 6, 3), reason="vroeg zelf om opnieuw te starten"),
        session(date(2024, 6, 10), "opnieuw gestart"),
    )
    service.erase_participant(marie, recorded_by="admin")

    # Still open: an intake and a session, in the programme without a cap.
    tibo = ids["tibo"] = w.participant("Tibo", "Smets", date(2003, 8, 19))
    open_ = ids["open"] = w.refer(tibo, "BUSO-AALST", date(2024, 9, 2))
    w.record(
        open_, intake(date(2024, 9, 16)), session(date(2024, 9, 23), "kennismaking")
    )

    # Referred after the old end of an extended programme, and into an ongoing one.
    extended = ids["extended"] = w.refer(tibo, "SAMENWERKT", date(2026, 2, 2))
    w.record(extended, intake(date(2026, 2, 16)))
    ongoing = ids["ongoing"] = w.refer(jonas, "JOBCOACHING", date(2026, 3, 2))
    w.record(ongoing, intake(date(2026, 3, 9), rung=3))

    # A job workshop with both of them: one group session, a session in each.
    ids["group"] = service.hold_group_session(
        HoldGroupSession(
            trajectory_ids=[extended, ongoing],
            on=date(2026, 3, 16),
            minutes=150,
            mode=SessionMode.JOB_WORKSHOP,
            setting=SessionSetting.OFFICE,
            note="jobatelier: sollicitatiebrief",
        ),
        recorded_by=COACH,
        within=WERKBURO,
    ).id
    return ids
