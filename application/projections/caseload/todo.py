"""A coach's to-do list: what must be recorded before its window closes.

The ESF+ result figures count an exit result only if it was observed within 28 days
of the exit, and a follow-up only within 30 days of the exit plus 6 or 12 months; a
late one cannot be recorded at all. So the list holds, for a date (today unless
given):

- exit results due: an exit without its result, from the exit to 28 days after;
- follow-ups due: each milestone without its follow-up, from 30 days before to 30
  days after the exit plus the milestone (and in the 14 days before it opens, as
  coming up);
- intakes waiting: referrals without an intake, the norm closing 30 days after the
  referral;
- contacts overdue: open trajectories over 30 days without contact, closing when
  they become exit candidates at 90 days.

Each item has the day its window closes, the most urgent first (a closed window of a
contact or an intake stays on the list, overdue, until it is dealt with). Items come
from the caseload view, which keeps every trajectory, evaluated on the date.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from typing import Any
from uuid import UUID

from application.projections.caseload.queries import AMBER_AFTER_DAYS
from application.projections.caseload.queries import EXIT_CANDIDATE_AT_DAYS
from application.projections.caseload.queries import coach_filters
from application.projections.caseload.rows import CaseloadRow
from application.projections.view import ProjectionView
from domain.calendar import today
from domain.errors import EXIT_RESULT_WINDOW_DAYS
from domain.errors import FOLLOW_UP_WINDOW_DAYS
from domain.errors import InvalidValue
from domain.errors import NotAChoice
from domain.trajectory import add_months
from domain.vocabulary import FOLLOW_UP_MILESTONES
from domain.vocabulary import Stage

INTAKE_NORM_DAYS = 30
COMING_UP_DAYS = 14
KINDS = ("exit_result", "follow_up", "intake", "contact")
EXITED = (Stage.COMPLETED.value, Stage.DROPPED_OUT.value)
OPEN = (Stage.ACTIVE.value, Stage.SUSPENDED.value)
MAX_ITEMS = 1_000


@dataclass(frozen=True)
class TodoQuery:
    on: date | None = None  # today unless given
    organisation: str | None = None
    coach: str | None = None
    coach_id: UUID | None = None
    kind: str | None = None

    def __post_init__(self) -> None:
        if self.on is not None and self.on.year < 1900:
            raise InvalidValue("the day of a to-do list is before 1900")
        if self.kind is not None and self.kind not in KINDS:
            raise NotAChoice("kind", self.kind, list(KINDS))


@dataclass(frozen=True)
class TodoItem:
    kind: str  # one of KINDS
    milestone: int | None  # a follow-up's 6 or 12
    trajectory_id: UUID
    participant_id: UUID
    participant_name: str
    programme: str
    organisation: str
    coach: str | None
    since: date  # the exit, the referral or the last contact it counts from
    opens_on: date
    closes_on: date
    days_left: int  # to the closing day; below 0 when it closed
    coming_up: bool  # its window opens after the day


@dataclass(frozen=True)
class TodoList:
    evaluated_on: date
    items: list[TodoItem]


def todo(
    view: ProjectionView[CaseloadRow],
    query: TodoQuery,
    name_of: Callable[[UUID], str],
) -> TodoList:
    on = query.on or today()
    conditions: list[str] = []
    params: list[Any] = []
    for column, value in [
        ("organisation", query.organisation),
        *coach_filters(query.coach, query.coach_id),
    ]:
        if value is not None:
            conditions.append(f"{column} = %s")
            params.append(value)
    # The earliest exit whose 12-month follow-up may still be open.
    oldest_exit = on - timedelta(days=366 + FOLLOW_UP_WINDOW_DAYS + 1)
    stages = (*OPEN, Stage.REFERRED.value)
    marks = ", ".join(["%s"] * len(stages))
    conditions.append(f"(stage IN ({marks}) OR exit_on >= %s)")
    params += [*stages, oldest_exit.isoformat()]
    table = view.name(view.table)
    columns = ", ".join(c.name for c in view.columns)
    with view.reading() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {table} WHERE {' AND '.join(conditions)}", params
        )
        rows = [view._row(values) for values in cursor.fetchall()]
    items = [item for row in rows for item in _items(row, on)]
    if query.kind is not None:
        items = [item for item in items if item.kind == query.kind]
    items.sort(key=lambda i: (i.closes_on, i.opens_on, str(i.trajectory_id)))
    names: dict[UUID, str] = {}
    named = []
    for item in items[:MAX_ITEMS]:
        if item.participant_id not in names:
            names[item.participant_id] = name_of(item.participant_id)
        named.append(_named(item, names[item.participant_id]))
    return TodoList(on, named)


def _named(item: TodoItem, name: str) -> TodoItem:
    return TodoItem(**{**vars(item), "participant_name": name})


def _items(row: CaseloadRow, on: date) -> list[TodoItem]:
    def item(
        kind: str, since: date, opens: date, closes: date, milestone: int | None = None
    ) -> TodoItem:
        return TodoItem(
            kind=kind,
            milestone=milestone,
            trajectory_id=row.trajectory_id,
            participant_id=row.participant_id,
            participant_name="",
            programme=row.programme,
            organisation=row.organisation,
            coach=row.coach,
            since=since,
            opens_on=opens,
            closes_on=closes,
            days_left=(closes - on).days,
            coming_up=on < opens,
        )

    found: list[TodoItem] = []
    if row.stage in EXITED and row.exit_on is not None:
        exit_on = date.fromisoformat(row.exit_on)
        closes = exit_on + timedelta(days=EXIT_RESULT_WINDOW_DAYS)
        if row.exit_result_on is None and exit_on <= on <= closes:
            found.append(item("exit_result", exit_on, exit_on, closes))
        for milestone in FOLLOW_UP_MILESTONES:
            due = add_months(exit_on, milestone)
            opens = due - timedelta(days=FOLLOW_UP_WINDOW_DAYS)
            closes = due + timedelta(days=FOLLOW_UP_WINDOW_DAYS)
            coming = opens - timedelta(days=COMING_UP_DAYS)
            if str(milestone) not in row.follow_ups and coming <= on <= closes:
                found.append(item("follow_up", exit_on, opens, closes, milestone))
    elif row.stage == Stage.REFERRED.value:
        referred = date.fromisoformat(row.referred_on)
        closes = referred + timedelta(days=INTAKE_NORM_DAYS)
        if referred <= on:
            found.append(item("intake", referred, referred, closes))
    elif row.stage in OPEN and row.last_contact_on is not None:
        contact = date.fromisoformat(row.last_contact_on)
        if (on - contact).days > AMBER_AFTER_DAYS:
            opens = contact + timedelta(days=AMBER_AFTER_DAYS + 1)
            closes = contact + timedelta(days=EXIT_CANDIDATE_AT_DAYS)
            found.append(item("contact", contact, opens, closes))
    return found
