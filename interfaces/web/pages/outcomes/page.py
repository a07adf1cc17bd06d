"""The outcomes page itself: its figures and charts, what a reader may ask of
them, and the rebuild of the outcome view."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from typing import Annotated
from typing import Any
from typing import Literal

from fastapi import APIRouter
from fastapi import Depends
from fastapi import Query
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.responses import RedirectResponse
from fastapi.responses import Response

from application.access import Caller
from application.access import Role
from application.projections.outcomes.metrics import SUPPRESSION_THRESHOLD
from application.projections.outcomes.periods import by_year
from application.projections.outcomes.queries import DIMENSIONS
from application.projections.outcomes.queries import OutcomeRow
from application.projections.outcomes.queries import OutcomeScope
from application.projections.outcomes.queries import OutcomeTable
from application.projections.outcomes.queries import last_month_end
from application.projections.outcomes.queries import month_end
from application.projections.sql import RebuildInProgress
from application.views import Views
from domain.calendar import today
from domain.vocabulary import DropoutReason
from interfaces.http.deps import ViewsDep
from interfaces.web import charts
from interfaces.web.i18n import N_
from interfaces.web.i18n import Texts
from interfaces.web.pages.outcomes.asked import Last
from interfaces.web.pages.outcomes.asked import Period
from interfaces.web.pages.outcomes.asked import TableAsked
from interfaces.web.pages.outcomes.words import beside
from interfaces.web.pages.outcomes.words import cell
from interfaces.web.pages.outcomes.words import cohort_words
from interfaces.web.pages.outcomes.words import explained
from interfaces.web.pages.outcomes.words import group_of
from interfaces.web.session import PAGES
from interfaces.web.session import CheckedForm
from interfaces.web.session import allow
from interfaces.web.visit import OutcomeVisit

router = APIRouter(prefix=PAGES)

# The funnel: each step a subset of the one before.
FUNNEL = ("referrals", "intakes", "placed", "competitive_employment")
# Rates by cohort, as lines and in the table under them.
TREND = (
    "intake_rate",
    "placement_rate",
    "competitive_employment_rate",
    "sustained_employment_6m_rate",
)
# The breakdown: a table of counts, and one of rates.
TABLES = (
    (
        N_("Trajectories"),
        ("referrals", "intakes", "placed", "competitive_employment", "exits"),
    ),
    (
        N_("Rates"),
        (
            "intake_rate",
            "placement_rate",
            "competitive_employment_rate",
            "dropout_rate",
            "employed_on_leaving_rate",
            "sustained_employment_6m_rate",
        ),
    ),
)
COSTS = ("intakes", "placed", "cost_per_participant", "cost_per_placement")
PERIOD_WORDS = {"quarter": N_("Quarter"), "year": N_("Year")}
LAST = ("4", "8", "12", "20", "40", "all")
DEFAULT_LAST: Literal["8"] = "8"
UNKNOWN_PROVINCE = N_("unknown: no intake")
PROVINCE_NOTE = N_(
    "The province comes from the postcode recorded at the intake: a trajectory "
    "without an intake has none, and is counted as unknown."
)
WATCHERS = frozenset({Role.EVALUATOR, Role.AUDITOR, Role.ADMIN})
REBUILDERS = frozenset({Role.EVALUATOR, Role.ADMIN})
Rebuilder = Annotated[Caller, allow(Role.EVALUATOR, Role.ADMIN)]


def month_ends(views: Views, latest: date) -> list[date]:
    """The month ends an evaluator may ask for, the latest first: back to the month
    the first programme started."""
    starts = [p.starts_on for p in views.app.programmes()]
    first = month_end(min(starts)) if starts else latest
    ends: list[date] = []
    day = latest
    while day >= first and len(ends) < 240:
        ends.append(day)
        day = day.replace(day=1) - timedelta(days=1)
    return ends


@dataclass(frozen=True)
class ViewShown:
    """Where the outcome view stands, and the rebuild this server last started."""

    generation: int
    position: int
    head: int
    lag: int
    state: str | None  # rebuilding, done, failed or None
    read: int
    to_read: int | None
    started_at: Any
    finished_at: Any
    events: int | None
    error: str | None

    @property
    def share(self) -> float | None:
        if not self.to_read:
            return None
        return min(self.read / self.to_read, 1.0)


def view_shown(views: Views) -> ViewShown:
    status = views.view_status("outcomes")
    rebuild = status.rebuild or {}
    return ViewShown(
        status.generation,
        status.position,
        status.head,
        status.lag,
        rebuild.get("state"),
        int(rebuild.get("events_read") or 0),
        rebuild.get("events_to_read"),
        rebuild.get("started_at"),
        rebuild.get("finished_at"),
        rebuild.get("events"),
        rebuild.get("error"),
    )


def last_cohorts(rows: Sequence[OutcomeRow], last: str) -> list[OutcomeRow]:
    """The last ``last`` cohorts (all of them for "all"), then the trajectories
    without an intake yet (cohort by intake)."""
    dated = [row for row in rows if row.group.get("cohort") is not None]
    undated = [row for row in rows if row.group.get("cohort") is None]
    if last != "all":
        dated = dated[-int(last) :]
    return dated + undated


def report_periods(
    texts: Texts, views: Views, evaluated_on: date, *, years_only: bool = False
) -> list[tuple[str, str]]:
    """The years and quarters a funder's report may be asked for, the latest first:
    from the year the first programme started to the evaluation date; years only
    for an evaluator (``EsfQuery.parse``)."""
    starts = [p.starts_on.year for p in views.app.programmes()]
    periods: list[tuple[str, str]] = []
    for year in range(
        evaluated_on.year, min(starts, default=evaluated_on.year) - 1, -1
    ):
        periods.append((str(year), str(year)))
        if years_only:
            continue
        for quarter in range(4, 0, -1):
            if date(year, 3 * quarter - 2, 1) <= evaluated_on:
                code = f"{year}Q{quarter}"
                periods.append((code, cohort_words(texts, code)))
    return periods


# The pages -----------------------------------------------------------------------


@router.get("/outcomes", name="ui_outcomes", response_class=HTMLResponse)
def outcomes_page(
    visit: OutcomeVisit,
    asked: Annotated[TableAsked, Depends()],
    period: Period = "quarter",
    last: Last = DEFAULT_LAST,
    rebuild: Annotated[Literal["busy"] | None, Query()] = None,
) -> Response:
    texts, caller, views = visit.texts, visit.caller, visit.views
    group_by, as_of, cohort_by = asked.group_by, asked.as_of, asked.cohort_by

    def table(dimensions: list[str]) -> OutcomeTable:
        return views.outcome_table(
            dimensions, cohort_by=cohort_by, as_of=as_of, reader=caller
        )

    overall = table([])
    query = overall.query
    total = overall.rows[0] if overall.rows else None
    cohort_rows = table(["cohort"]).rows
    if period == "year":
        cohort_rows = by_year(cohort_rows)
    cohorts = last_cohorts(cohort_rows, last)
    breakdown = table([group_by]).rows
    per_programme = breakdown if group_by == "programme" else table(["programme"]).rows
    names = {p.code: p.name for p in views.app.programmes()}
    scope = OutcomeScope.of(caller)

    steps: list[tuple[str, str, int, str, str, str]] = []
    if total is not None and not total.suppressed:
        before: int | None = None
        referrals = total.figures.get("referrals") if total.shown("referrals") else None
        for name in FUNNEL:
            value = total.figures.get(name) if total.shown(name) else None
            shown = cell(texts, total, name)
            of_referrals = texts.percent(
                value / referrals if value is not None and referrals else None
            )
            of_before = texts.percent(
                value / before if value is not None and before else None
            )
            steps.append(
                (name, texts.label(name), value or 0, shown, of_referrals, of_before)
            )
            before = value
    funnel_steps = [
        (words, count, f"{shown} ({share})" if share != "–" else shown)
        for _, words, count, shown, share, _ in steps
    ]
    dated = [row for row in cohorts if row.group.get("cohort") is not None]
    categories = [cohort_words(texts, row.group["cohort"]) for row in dated]
    series = []
    for name in TREND:
        points = [row.figures.get(name) if row.shown(name) else None for row in dated]
        words = texts.label(name)
        if all(point is None for point in points):  # named, and why it has no line
            words = texts.gettext("%(rate)s: no value shown") % {"rate": words}
        series.append((words, points))
    values = [[cell(texts, row, name) for row in dated] for name in TREND]
    percents = [texts.percent(share) for share in (0.0, 0.25, 0.5, 0.75, 1.0)]
    reasons = []
    if total is not None and not total.suppressed:
        for reason in DropoutReason:
            name = f"dropout_rate_{reason.value}"
            shown = cell(texts, total, name)
            if shown not in ("–", texts.percent(0.0)):
                reasons.append((texts.label(reason), shown))
    evaluated_on = query.as_of or query.evaluated_on
    latest = last_month_end(today())
    return visit.render(
        "outcomes.html",
        active="ui_outcomes",
        query=query,
        evaluated_on=evaluated_on,
        as_of=as_of,
        latest_day=today(),
        release=overall.release,
        month_ends=month_ends(views, latest) if scope.month_ends else [],
        scope=scope,
        group_by=group_by,
        cohort_by=cohort_by,
        period=period,
        periods=PERIOD_WORDS,
        last=last,
        lasts=LAST,
        csv_query={
            "group_by": group_by,
            "cohort_by": cohort_by,
            **({"as_of": as_of.isoformat()} if as_of else {}),
        },
        esf_programmes=[
            p
            for p in views.app.programmes()
            if scope.organisation is None or scope.organisation in p.organisations
        ],
        esf_periods=report_periods(
            texts, views, evaluated_on, years_only=scope.suppress
        ),
        dimensions=DIMENSIONS,
        total=total,
        funnels=[
            charts.funnel(funnel_steps, w) for w in (charts.FUNNEL_WIDE, charts.NARROW)
        ],
        funnel_steps=steps,
        beside=beside(texts, total) if total and not total.suppressed else [],
        reasons=reasons,
        cohorts=cohorts,
        trends=[
            charts.rate_lines(categories, series, values, percents, w)
            for w in (charts.WIDE, charts.NARROW)
        ]
        if dated
        else [],
        trend_names=TREND,
        breakdown=breakdown,
        per_programme=per_programme,
        costs=COSTS,
        tables=TABLES,
        group=lambda dimension, value: group_of(texts, dimension, value, names),
        cell=lambda row, name: cell(texts, row, name),
        definitions=explained(texts),
        province_note=texts.gettext(PROVINCE_NOTE),
        threshold=SUPPRESSION_THRESHOLD,
        view=view_shown(views) if caller.role in WATCHERS else None,
        may_rebuild=caller.role in REBUILDERS,
        rebuild_busy=rebuild == "busy",
    )


@router.post("/outcomes/rebuild", name="ui_outcomes_rebuild")
def rebuild_outcomes(
    request: Request, caller: Rebuilder, views: ViewsDep, _: CheckedForm
) -> Response:
    """Rebuilds the outcome view (it holds no personal data): evaluators and admins;
    one rebuild at a time."""
    busy = ""
    try:
        views.rebuild_in_background("outcomes")
    except RebuildInProgress:
        busy = "?rebuild=busy"
    return RedirectResponse(
        f"{request.app.url_path_for('ui_outcomes')}{busy}#view", status_code=303
    )
