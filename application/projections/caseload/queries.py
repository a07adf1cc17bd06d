"""The caseload: open trajectories with what their coach must act on, and totals per
coach against the supported-employment fidelity benchmark."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import fields
from datetime import date
from datetime import timedelta
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar
from uuid import UUID

from application.projections.caseload.rows import CaseloadRow
from application.projections.view import ProjectionView
from domain.calendar import today
from domain.coach import comparable
from domain.errors import InvalidValue
from domain.errors import NotAChoice
from domain.errors import StageNotOnCaseload
from domain.vocabulary import Stage

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

CASELOAD_STAGES = (Stage.REFERRED.value, Stage.ACTIVE.value, Stage.SUSPENDED.value)
BENCHMARK = 20
AMBER_AFTER_DAYS = 30
RED_AFTER_DAYS = 60
EXIT_CANDIDATE_AT_DAYS = 90
ALERTS = ("amber", "red", "exit_candidate")
DEFAULT_LIMIT = 200
MAX_LIMIT = 1_000
MAX_OFFSET = 10_000_000
D = TypeVar("D", bound="DataclassInstance")


def _check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidValue(f"limit must be between 1 and {MAX_LIMIT}")
    if not 0 <= offset <= MAX_OFFSET:
        raise InvalidValue(f"offset must be between 0 and {MAX_OFFSET}")


def alert(days_since_contact: int | None) -> str | None:
    """amber after 30 days without contact, red after 60, exit candidate at 90."""
    if days_since_contact is None:
        return None
    if days_since_contact >= EXIT_CANDIDATE_AT_DAYS:
        return "exit_candidate"
    if days_since_contact > RED_AFTER_DAYS:
        return "red"
    if days_since_contact > AMBER_AFTER_DAYS:
        return "amber"
    return None


@dataclass(frozen=True)
class CaseloadQuery:
    coach: str | None = None  # a name, compared without case, accents, extra spaces
    coach_id: UUID | None = None
    stage: str | None = None
    programme: str | None = None
    organisation: str | None = None
    alert: str | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0

    def __post_init__(self) -> None:
        if self.stage is not None and self.stage not in CASELOAD_STAGES:
            raise StageNotOnCaseload(self.stage, list(CASELOAD_STAGES))
        if self.alert is not None and self.alert not in ALERTS:
            raise NotAChoice("alert", self.alert, list(ALERTS))
        _check_page(self.limit, self.offset)

    def where(self, on: date) -> tuple[str, list[Any]]:
        """The SQL condition for the filters, evaluated on date ``on``."""
        marks = ", ".join(["%s"] * len(CASELOAD_STAGES))
        conditions, params = [f"stage IN ({marks})"], list(CASELOAD_STAGES)
        for column, value in coach_filters(self.coach, self.coach_id) + [
            ("stage", self.stage),
            ("programme", self.programme),
            ("organisation", self.organisation),
        ]:
            if value is not None:
                conditions.append(f"{column} = %s")
                params.append(value)
        if self.alert is not None:
            # Days since contact above a bound is a contact date before a bound.
            exit_on = (on - timedelta(days=EXIT_CANDIDATE_AT_DAYS)).isoformat()
            red_on = (on - timedelta(days=RED_AFTER_DAYS)).isoformat()
            amber_on = (on - timedelta(days=AMBER_AFTER_DAYS)).isoformat()
            bounds = {
                "exit_candidate": ("last_contact_on <= %s", [exit_on]),
                "red": (
                    "last_contact_on < %s AND last_contact_on > %s",
                    [red_on, exit_on],
                ),
                "amber": (
                    "last_contact_on < %s AND last_contact_on >= %s",
                    [amber_on, red_on],
                ),
            }
            condition, values = bounds[self.alert]
            conditions.append(condition)
            params += values
        return "WHERE " + " AND ".join(conditions), params


def coach_filters(coach: str | None, coach_id: UUID | None) -> list[tuple[str, Any]]:
    """The columns a coach is found by: their name as names compare, or their id."""
    return [
        ("coach_key", None if coach is None else comparable(coach)),
        ("coach_id", None if coach_id is None else str(coach_id)),
    ]


@dataclass(frozen=True)
class CaseloadEntry:
    trajectory_id: UUID
    participant_id: UUID
    participant_name: str
    age_band: str
    programme: str
    organisation: str
    coach: str | None
    coach_id: UUID | None
    stage: str
    referred_on: str
    referral_source: str
    days_waiting_for_intake: int | None
    intake_on: str | None
    last_contact_on: str | None
    days_since_contact: int | None
    alert: str | None
    open_barriers: list[str]
    rung_at_intake: int | None
    latest_rung: int | None
    current_placement: dict[str, Any] | None


@dataclass(frozen=True)
class CoachTotal:
    """One coach's caseload (coaches of two organisations are two people)."""

    organisation: str
    coach_id: UUID | None
    coach: str | None
    active: int
    suspended: int
    referred: int

    @property
    def over_benchmark(self) -> bool:
        return self.active > BENCHMARK


@dataclass(frozen=True)
class CaseloadPage:
    evaluated_on: date
    total: int  # the rows matching the filters, on every page
    entries: list[CaseloadEntry]
    coaches: list[CoachTotal]  # each coach's whole caseload, whatever the filters
    benchmark: int = BENCHMARK


def caseload(
    view: ProjectionView[CaseloadRow],
    query: CaseloadQuery,
    name_of: Callable[[UUID], str],
) -> CaseloadPage:
    on = today()
    where, params = query.where(on)
    # A coach's totals count the whole caseload, whatever the page shows.
    scope = CaseloadQuery(
        coach=query.coach, coach_id=query.coach_id, organisation=query.organisation
    )
    scope_where, scope_params = scope.where(on)
    table = view.name(view.table)
    columns = ", ".join(c.name for c in view.columns)
    with view.reading() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {table} {where} "
            "ORDER BY coach_key IS NOT NULL, coach_key, organisation, referred_on, "
            "trajectory_id "
            "LIMIT %s OFFSET %s",
            [*params, query.limit, query.offset],
        )
        records = cursor.fetchall()
        cursor.execute(
            "SELECT organisation, coach_id, MIN(coach), "
            "SUM(CASE WHEN stage = 'active' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN stage = 'suspended' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN stage = 'referred' THEN 1 ELSE 0 END) "
            f"FROM {table} {scope_where} GROUP BY organisation, coach_id",
            scope_params,
        )
        totals = cursor.fetchall()
        cursor.execute(f"SELECT COUNT(*) FROM {table} {where}", params)
        counted = cursor.fetchone()
    coaches = sorted(
        (
            CoachTotal(
                r[0],
                None if r[1] is None else UUID(str(r[1])),
                r[2],
                int(r[3]),
                int(r[4]),
                int(r[5]),
            )
            for r in totals
        ),
        key=lambda t: (t.coach is not None, comparable(t.coach or ""), t.organisation),
    )
    entries = [_entry(view._row(values), on, name_of) for values in records]
    total = int(counted[0]) if counted else 0
    return CaseloadPage(on, total, entries, coaches)


def _days(since: str | None, on: date) -> int | None:
    return None if since is None else (on - date.fromisoformat(since)).days


def _entry(row: CaseloadRow, on: date, name_of: Callable[[UUID], str]) -> CaseloadEntry:
    since_contact = _days(row.last_contact_on, on)
    placements = sorted(row.placements, key=lambda p: p["started_on"])
    return _of_row(
        CaseloadEntry,
        row,
        participant_name=name_of(row.participant_id),
        days_waiting_for_intake=(
            _days(row.referred_on, on) if row.intake_on is None else None
        ),
        days_since_contact=since_contact,
        alert=alert(since_contact),
        open_barriers=list(row.open_barriers),
        latest_rung=(
            row.assessed_rung if row.assessed_rung is not None else row.rung_at_intake
        ),
        current_placement=placements[-1] if placements else None,
    )


def _of_row(kind: type[D], row: CaseloadRow, **worked_out: Any) -> D:
    """A ``kind`` of the row's fields of the same names, and of those worked out."""
    same = {
        f.name: getattr(row, f.name) for f in fields(kind) if f.name not in worked_out
    }
    return kind(**same, **worked_out)


ALL_STAGES = tuple(stage.value for stage in Stage)


@dataclass(frozen=True)
class TrajectoryListQuery:
    """Trajectories in any stage, from the caseload table (which keeps every one):
    of a participant, referred from and to a date (both included)."""

    programme: str | None = None
    organisation: str | None = None
    stage: str | None = None
    coach: str | None = None
    participant_id: UUID | None = None
    referred_from: date | None = None
    referred_to: date | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0

    def __post_init__(self) -> None:
        if self.stage is not None and self.stage not in ALL_STAGES:
            raise NotAChoice("stage", self.stage, list(ALL_STAGES))
        if (
            self.referred_from is not None
            and self.referred_to is not None
            and self.referred_from > self.referred_to
        ):
            raise InvalidValue("referred_from is after referred_to")
        _check_page(self.limit, self.offset)


@dataclass(frozen=True)
class TrajectorySummary:
    trajectory_id: UUID
    participant_id: UUID
    programme: str
    organisation: str
    stage: str
    coach: str | None
    referred_on: str
    intake_on: str | None
    exit_on: str | None


def trajectory_list(
    view: ProjectionView[CaseloadRow], query: TrajectoryListQuery
) -> tuple[int, list[TrajectorySummary]]:
    """How many trajectories match, and one page of them, oldest referral first."""
    conditions: list[str] = []
    params: list[Any] = []
    participant = query.participant_id
    for condition, value in [
        ("programme = %s", query.programme),
        ("organisation = %s", query.organisation),
        ("stage = %s", query.stage),
        *((f"{column} = %s", v) for column, v in coach_filters(query.coach, None)),
        ("participant_id = %s", None if participant is None else str(participant)),
        ("referred_on >= %s", _iso(query.referred_from)),
        ("referred_on <= %s", _iso(query.referred_to)),
    ]:
        if value is not None:
            conditions.append(condition)
            params.append(value)
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    table = view.name(view.table)
    columns = ", ".join(c.name for c in view.columns)
    with view.reading() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table} {where}", params)
        counted = cursor.fetchone()
        cursor.execute(
            f"SELECT {columns} FROM {table} {where} "
            "ORDER BY referred_on, trajectory_id LIMIT %s OFFSET %s",
            [*params, query.limit, query.offset],
        )
        records = cursor.fetchall()
    rows = [_of_row(TrajectorySummary, view._row(values)) for values in records]
    return int(counted[0]) if counted else 0, rows


def trajectories_of(
    view: ProjectionView[CaseloadRow], participant_ids: Sequence[UUID]
) -> dict[UUID, list[TrajectorySummary]]:
    """Every trajectory of each participant, open and ended, oldest referral
    first (a participant without one has an empty list)."""
    found: dict[UUID, list[TrajectorySummary]] = {i: [] for i in participant_ids}
    ids = [str(i) for i in dict.fromkeys(participant_ids)]
    table = view.name(view.table)
    columns = ", ".join(c.name for c in view.columns)
    with view.reading() as cursor:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            cursor.execute(
                f"SELECT {columns} FROM {table} WHERE participant_id IN "
                f"({', '.join(['%s'] * len(chunk))}) "
                "ORDER BY referred_on, trajectory_id",
                chunk,
            )
            for values in cursor.fetchall():
                summary = _of_row(TrajectorySummary, view._row(values))
                found.setdefault(summary.participant_id, []).append(summary)
    return found


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()
