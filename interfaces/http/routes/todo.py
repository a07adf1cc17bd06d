"""A coach's to-do list: what must be recorded before its window closes."""

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter
from fastapi import Query

from application.projections.caseload.todo import KINDS
from application.projections.caseload.todo import TodoItem
from application.projections.caseload.todo import TodoQuery
from interfaces.http.deps import CoachFilter
from interfaces.http.deps import OrganisationFilter
from interfaces.http.deps import Reader
from interfaces.http.deps import RecordRead
from interfaces.http.deps import ViewsDep
from interfaces.http.openapi import READ
from interfaces.http.routes.trajectories import scoped
from interfaces.http.schemas.todo import TodoItemOut
from interfaces.http.schemas.todo import TodoOut

router = APIRouter(prefix="/todo", tags=["views"])

RECORDS = {
    "exit_result": "ExitResultRecorded",
    "follow_up": "FollowUpRecorded",
    "intake": "IntakeCompleted",
    "contact": "SessionHeld",
}


def item_out(item: TodoItem) -> TodoItemOut:
    return TodoItemOut(**vars(item), record=RECORDS[item.kind])


@router.get("", response_model=TodoOut, responses=READ)
def todo(
    views: ViewsDep,
    caller: Reader,
    record_read: RecordRead,
    on: Annotated[date | None, Query(description="the day; today unless given")] = None,
    organisation: OrganisationFilter = None,
    coach: CoachFilter = None,
    coach_id: Annotated[UUID | None, Query()] = None,
    kind: Annotated[str | None, Query(description=f"one of {', '.join(KINDS)}")] = None,
) -> TodoOut:
    """What must be recorded before its window closes, the most urgent first:
    exit results and follow-ups due, intakes waiting, contacts overdue (staff see
    their own organisation's). Each participant listed is recorded in the access
    log."""
    query = TodoQuery(
        on=on,
        organisation=scoped(caller, organisation),
        coach=coach,
        coach_id=coach_id,
        kind=kind,
    )
    listed = views.todo(query)
    record_read(item.participant_id for item in listed.items)
    return TodoOut(
        evaluated_on=listed.evaluated_on, items=[item_out(i) for i in listed.items]
    )
