"""Trajectories in a given stage, and the commands that get them there, with defaults.

Builders leave the events of the Given pending: a test that checks what a refused
command recorded collects them first.
"""

from datetime import date
from typing import Any
from uuid import UUID

from domain.coach import Coach
from domain.coach import CoachRef
from domain.commands import AssignCoach
from domain.commands import Complete
from domain.commands import CompleteIntake
from domain.commands import DeclineReferral
from domain.commands import DropOut
from domain.commands import HoldSession
from domain.commands import Refer
from domain.commands import StartPlacement
from domain.commands import Suspend
from domain.trajectory import Trajectory
from domain.vocabulary import AgeBand
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
from domain.vocabulary import SuspensionReason

PARTICIPANT_ID = UUID("5b0f2a4e-7c1d-4e8a-9f3b-2d6c8e1a0b01")
PROGRAMME = "SAMENWERKT"
ORGANISATION = "Werkburo Oost-Vlaanderen"
COACH = "Hilde"
OTHER_COACH = "Jan"
EMPLOYER = "Groep Intro"
PLACEMENT_ID = UUID("0c9d7e6f-1a2b-4c3d-8e5f-6a7b8c9d0e01")
OTHER_PLACEMENT_ID = UUID("0c9d7e6f-1a2b-4c3d-8e5f-6a7b8c9d0e02")

REFERRAL_ON = date(2024, 2, 1)
INTAKE_ON = date(2024, 2, 15)
SESSION_ON = date(2024, 3, 4)
SUSPENSION_ON = date(2024, 3, 18)
PLACEMENT_ON = date(2024, 4, 2)
EXIT_ON = date(2024, 6, 28)

INTAKE_RUNG = 2
INTAKE_BARRIERS = [Barrier.HOUSING, Barrier.MOBILITY]
INTAKE_POSTCODE = "9000"


def referred(on: date = REFERRAL_ON) -> Trajectory:
    return Trajectory.refer(
        Refer(
            participant_id=PARTICIPANT_ID,
            programme=PROGRAMME,
            organisation=ORGANISATION,
            referral_source=ReferralSource.VDAB,
            on=on,
        ),
        age_band=AgeBand.FROM_18_TO_24,
        gender=Gender.F,
        recorded_by=COACH,
    )


def declined() -> Trajectory:
    trajectory = referred()
    trajectory.decline_referral(
        DeclineReferral(on=INTAKE_ON, reason=DeclineReason.NOT_REACHED),
        recorded_by=COACH,
    )
    return trajectory


def taken_in(**intake: Any) -> Trajectory:
    trajectory = referred()
    take_in(trajectory, **intake)
    return trajectory


def suspended() -> Trajectory:
    trajectory = taken_in()
    trajectory.suspend(
        Suspend(on=SUSPENSION_ON, reason=SuspensionReason.HOSPITALISATION),
        recorded_by=COACH,
    )
    return trajectory


def placed() -> Trajectory:
    """Taken in, with placement PLACEMENT_ID running since PLACEMENT_ON."""
    trajectory = taken_in()
    start_placement(trajectory)
    return trajectory


def exited() -> Trajectory:
    """Placed, then completed on EXIT_ON."""
    trajectory = placed()
    trajectory.complete(
        Complete(on=EXIT_ON, destination=Destination.EMPLOYED), recorded_by=COACH
    )
    return trajectory


def dropped_out() -> Trajectory:
    trajectory = taken_in()
    trajectory.drop_out(
        DropOut(on=EXIT_ON, reason=DropoutReason.LOST_CONTACT), recorded_by=COACH
    )
    return trajectory


def coach_ref(name: str = COACH, organisation: str = ORGANISATION) -> CoachRef:
    """The coach of that name, registered in ``organisation``."""
    return CoachRef(Coach.id_for(organisation, name), name, organisation)


def take_in(trajectory: Trajectory, **overrides: Any) -> None:
    """The intake, by the coach ``coach`` names (a name in the trajectory's
    organisation, or a CoachRef)."""
    coach = overrides.pop("coach", COACH)
    ref = coach if isinstance(coach, CoachRef) else coach_ref(coach)
    fields: dict[str, Any] = {
        "on": INTAKE_ON,
        "coach_id": ref.id,
        "rung": INTAKE_RUNG,
        "labour_status": LabourStatus.LONG_TERM_UNEMPLOYED,
        "education_level": EducationLevel.ISCED_0_2,
        "barriers": list(INTAKE_BARRIERS),
        "disability": False,
        "postcode": INTAKE_POSTCODE,
    }
    recorded_by = overrides.pop("recorded_by", COACH)
    trajectory.complete_intake(
        CompleteIntake(**{**fields, **overrides}), recorded_by, coach=ref
    )


def assign(trajectory: Trajectory, on: date, coach: str | CoachRef) -> None:
    """Assigns the coach (a name in the trajectory's organisation, or a CoachRef)."""
    ref = coach if isinstance(coach, CoachRef) else coach_ref(coach)
    trajectory.assign_coach(
        AssignCoach(on=on, coach_id=ref.id), recorded_by=COACH, coach=ref
    )


def hold_session(trajectory: Trajectory, **overrides: Any) -> None:
    fields: dict[str, Any] = {
        "on": SESSION_ON,
        "minutes": 60,
        "mode": SessionMode.INDIVIDUAL,
        "setting": SessionSetting.OFFICE,
        "note": "talked about the CV",
    }
    recorded_by = overrides.pop("recorded_by", COACH)
    session_cap = overrides.pop("session_cap", None)
    trajectory.hold_session(
        HoldSession(**{**fields, **overrides}), recorded_by, session_cap=session_cap
    )


def start_placement(trajectory: Trajectory, **overrides: Any) -> None:
    fields: dict[str, Any] = {
        "placement_id": PLACEMENT_ID,
        "on": PLACEMENT_ON,
        "placement_type": PlacementType.REGULAR_JOB_WITH_SUPPORT,
        "employer": EMPLOYER,
        "paid": True,
        "hours_per_week": 19.0,
    }
    recorded_by = overrides.pop("recorded_by", COACH)
    trajectory.start_placement(StartPlacement(**{**fields, **overrides}), recorded_by)
