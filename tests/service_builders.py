"""Given steps through the service, shared by the application and interface tests:
the BUSO programme, a referral to it, a coach, and an intake."""

from datetime import date
from typing import Any
from uuid import UUID

import pytest

from application.service import Trajectories
from domain.commands import CompleteIntake
from domain.commands import Refer
from domain.commands import RegisterParticipant
from domain.commands import RegisterProgramme
from domain.vocabulary import Barrier
from domain.vocabulary import EducationLevel
from domain.vocabulary import Gender
from domain.vocabulary import LabourStatus
from domain.vocabulary import ReferralSource

PROGRAMME = "BUSO-AALST"
ORGANISATION = "Werkburo Oost-Vlaanderen"
REFERRED_ON = date(2024, 2, 1)
INTAKE_ON = date(2024, 2, 12)


def register_buso_programme(service: Trajectories) -> None:
    service.register_programme(
        RegisterProgramme(
            code=PROGRAMME,
            name="Van BUSO naar begeleid werken",
            funder="Vlaamse overheid",
            organisations=[ORGANISATION],
            starts_on=date(2023, 4, 1),
            ends_on=date(2025, 9, 30),
            budget=None,
            min_age=16,
            max_age=25,
        ),
        recorded_by="admin",
    )


def referred(service: Trajectories, participant_id: UUID | None = None) -> UUID:
    """The participant (a new one by default) referred to the BUSO programme, which
    must be registered."""
    if participant_id is None:
        participant_id = service.register_participant(
            RegisterParticipant(
                given_name="Lotte",
                family_name="Claes",
                birth_date=date(2005, 3, 14),
                gender=Gender.F,
                confirmed_new_person=True,  # each a Lotte Claes of her own
            ),
            recorded_by="Hilde",
        ).id
    trajectory = service.refer(
        Refer(
            participant_id=participant_id,
            programme=PROGRAMME,
            organisation=ORGANISATION,
            referral_source=ReferralSource.SCHOOL,
            on=REFERRED_ON,
        ),
        recorded_by="Hilde",
    )
    return trajectory.id


def coach_id(
    service: Trajectories, name: str, organisation: str = ORGANISATION
) -> UUID:
    """The id of the organisation's coach of that name, registered if need be."""
    return service.coaches.ensure(name, organisation, recorded_by="admin").id


def coach_for(service: Trajectories, trajectory_id: UUID, name: str) -> UUID:
    """The id of the coach of that name in the trajectory's organisation,
    registered if need be."""
    organisation = service.trajectory(trajectory_id).organisation
    return coach_id(service, name, organisation)


def taken_in(
    service: Trajectories,
    coach: str = "Hilde",
    barriers: list[Barrier] | None = None,
    participant_id: UUID | None = None,
) -> UUID:
    """Referred, and taken in by ``coach``."""
    trajectory_id = referred(service, participant_id)
    service.record(
        trajectory_id,
        CompleteIntake(
            on=INTAKE_ON,
            coach_id=coach_id(service, coach),
            rung=2,
            labour_status=LabourStatus.UNEMPLOYED,
            education_level=EducationLevel.ISCED_0_2,
            barriers=barriers or [],
            disability=False,
            postcode="9300",
        ),
        recorded_by="Hilde",
    )
    return trajectory_id


def reads_of(service: Trajectories, monkeypatch: pytest.MonkeyPatch) -> list[UUID]:
    """The ids the service's repository is asked for from now on, in order."""
    asked: list[UUID] = []
    get = service.repository.get

    def spied(aggregate_id: UUID, *args: Any, **kwargs: Any) -> Any:
        asked.append(aggregate_id)
        return get(aggregate_id, *args, **kwargs)

    monkeypatch.setattr(service.repository, "get", spied)
    return asked
