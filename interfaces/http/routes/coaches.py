"""The coaches of each organisation: staff members who guide trajectories, chosen by
id for an intake or a new coach."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter
from fastapi import Query

from application.access import OtherOrganisation
from domain.coach import Coach
from interfaces.http.deps import AdminWrite
from interfaces.http.deps import OrganisationFilter
from interfaces.http.deps import Service
from interfaces.http.deps import StaffReader
from interfaces.http.openapi import READ
from interfaces.http.openapi import UPDATE
from interfaces.http.openapi import WRITE
from interfaces.http.schemas.coaches import CoachOut
from interfaces.http.schemas.commands import CoachIn
from interfaces.http.schemas.commands import LeavingIn

router = APIRouter(prefix="/coaches", tags=["coaches"])


def coach_out(coach: Coach) -> CoachOut:
    return CoachOut.model_validate(coach, from_attributes=True)


@router.post("", status_code=201, response_model=CoachOut, responses=WRITE)
def register_coach(body: CoachIn, write: AdminWrite) -> CoachOut:
    """Register a coach of an organisation, who may or may not have a token (admin).
    A staff member given a token is registered as a coach with it. One name per
    organisation, compared without case, accents or extra spaces."""
    answer = write.service.register_coach(
        body.command(), recorded_by=write.caller.name, key=write.key
    )
    write.answered(answer, f"/coaches/{answer.id}")
    return coach_out(write.service.coach(answer.id))


@router.post("/{coach_id}/leave", response_model=CoachOut, responses=UPDATE)
def coach_leaves(coach_id: UUID, body: LeavingIn, write: AdminWrite) -> CoachOut:
    """Record that a coach left the organisation (admin): they are no longer chosen;
    the trajectories they guided keep their name."""
    answer = write.service.coach_leaves(
        coach_id, body.command(), recorded_by=write.caller.name, key=write.key
    )
    write.answered(answer, f"/coaches/{coach_id}")
    return coach_out(write.service.coach(coach_id))


@router.get("", response_model=list[CoachOut], responses=READ)
def list_coaches(
    service: Service,
    caller: StaffReader,
    organisation: OrganisationFilter = None,
    active: Annotated[
        bool | None, Query(description="true: still there; false: left")
    ] = None,
) -> list[CoachOut]:
    """The coaches, by organisation and name: staff see their own organisation's;
    auditors and admins every organisation's, or one's with ``organisation``."""
    if caller.within is not None and organisation not in (None, caller.within):
        raise OtherOrganisation(caller.within, str(organisation))
    within = caller.within or organisation
    return [coach_out(c) for c in service.coaches_of(within, active=active)]


@router.get("/{coach_id}", response_model=CoachOut, responses=READ)
def get_coach(coach_id: UUID, service: Service, caller: StaffReader) -> CoachOut:
    """One coach (staff: of their own organisation)."""
    return coach_out(service.coach(coach_id, caller.within))
