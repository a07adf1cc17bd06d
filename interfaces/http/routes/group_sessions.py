"""Group sessions: a job workshop or a dialogue table recorded once, as a session in
each participant's trajectory."""

from uuid import UUID

from fastapi import APIRouter

from application.service import Trajectories
from domain.group_session import GroupSession
from interfaces.http.deps import Reader
from interfaces.http.deps import Service
from interfaces.http.deps import StaffWrite
from interfaces.http.openapi import PERSONAL_WRITE
from interfaces.http.openapi import READ
from interfaces.http.schemas.base import answer_of
from interfaces.http.schemas.commands import GroupSessionIn
from interfaces.http.schemas.group_sessions import GroupSessionOut
from interfaces.http.schemas.group_sessions import MemberOut

router = APIRouter(prefix="/group-sessions", tags=["trajectories"])


def group_out(service: Trajectories, group: GroupSession) -> GroupSessionOut:
    members = [
        MemberOut(trajectory_id=t, version=service.trajectory(t).version)
        for t in group.trajectory_ids
    ]
    return answer_of(GroupSessionOut, group, members=members)


@router.post(
    "", status_code=201, response_model=GroupSessionOut, responses=PERSONAL_WRITE
)
def hold_group_session(body: GroupSessionIn, write: StaffWrite) -> GroupSessionOut:
    """Record a group session (a job workshop, a dialogue table) once (staff): each
    participant's trajectory gets its session, carrying the group's id, all or
    nothing. One participant who cannot take part (not active, another
    organisation's, over the programme's cap) refuses the whole group with 422
    `group_member_refused`, naming their position, trajectory and refusal."""
    answer = write.service.hold_group_session(
        body.command(),
        recorded_by=write.caller.name,
        within=write.caller.within,
        key=write.key,
    )
    write.answered(answer, f"/group-sessions/{answer.id}")
    group = write.service.group_session(answer.id, write.caller.within)
    return group_out(write.service, group)


@router.get("/{group_session_id}", response_model=GroupSessionOut, responses=READ)
def get_group_session(
    group_session_id: UUID, service: Service, caller: Reader
) -> GroupSessionOut:
    """One group session, with its participants' trajectories (staff: of their own
    organisation; auditors: any)."""
    return group_out(service, service.group_session(group_session_id, caller.within))
