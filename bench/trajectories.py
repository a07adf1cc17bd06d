"""What the benchmarks' set-ups write through the application: a programme of one
organisation, and trajectories taken in (a participant registered, referred and given
an intake)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from application.service import Trajectories
from domain.commands import CompleteIntake
from domain.commands import Refer
from domain.commands import RegisterParticipant
from domain.commands import RegisterProgramme
from domain.vocabulary import EducationLevel
from domain.vocabulary import Gender
from domain.vocabulary import LabourStatus
from domain.vocabulary import ReferralSource


def register_programme(
    app: Trajectories,
    code: str,
    name: str,
    organisation: str,
    *,
    starts_on: date,
    ends_on: date | None = None,
    budget: Decimal | None = None,
    max_age: int = 64,
) -> None:
    """A programme run by ``organisation`` alone, for ages 16 to ``max_age``."""
    app.register_programme(
        RegisterProgramme(
            code=code,
            name=name,
            funder="bench",
            organisations=[organisation],
            starts_on=starts_on,
            ends_on=ends_on,
            budget=budget,
            min_age=16,
            max_age=max_age,
        ),
        recorded_by="bench",
    )


def someone(given_name: str, family_name: str, birth_date: date) -> RegisterParticipant:
    """A made-up participant of no stated gender, a new person even where another
    has the same name and birth date."""
    return RegisterParticipant(
        given_name=given_name,
        family_name=family_name,
        birth_date=birth_date,
        gender=Gender.X,
        confirmed_new_person=True,
    )


def taken_in(
    app: Trajectories,
    person: RegisterParticipant,
    *,
    programme: str,
    organisation: str,
    referred_on: date,
    intake_on: date,
    coach_id: UUID,
    rung: int,
    labour_status: LabourStatus,
    dossiers: str | None = None,
) -> UUID:
    """The id of a trajectory of ``person`` (kept in the dossiers of ``dossiers``)
    in ``programme``, run by ``organisation``, with an intake by the coach."""
    participant = app.register_participant(
        person, organisation=dossiers, recorded_by="bench"
    )
    trajectory = app.refer(
        Refer(
            participant_id=participant.id,
            programme=programme,
            organisation=organisation,
            referral_source=ReferralSource.SELF,
            on=referred_on,
        ),
        recorded_by="bench",
    )
    app.record(
        trajectory.id,
        CompleteIntake(
            on=intake_on,
            coach_id=coach_id,
            rung=rung,
            labour_status=labour_status,
            education_level=EducationLevel.ISCED_3_4,
            barriers=[],
            disability=False,
            postcode="9000",
        ),
        recorded_by="bench",
    )
    return trajectory.id
