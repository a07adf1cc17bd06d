"""Outcomes for evaluators: the funnel, rates by cohort over time, and the table by
any dimension, as of any date, with small groups suppressed."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from application.projections.outcomes.metrics import SUPPRESSION_THRESHOLD
from application.projections.outcomes.queries import DIMENSIONS, OutcomeRow
from interfaces.http.deps import ViewsDep
from interfaces.web.charts import funnel, rate_lines
from interfaces.web.i18n import Texts
from interfaces.web.render import render
from interfaces.web.session import PAGES, OutcomeReader, PageTexts

router = APIRouter(prefix=PAGES)

FUNNEL = (
    "referrals",
    "intakes",
    "placed",
    "competitive_employment",
    "sustained_employment_6m",
)
TREND = (
    "intake_rate",
    "placement_rate",
    "competitive_employment_rate",
    "sustained_employment_6m_rate",
)
TABLE = (
    "referrals",
    "intakes",
    "placed",
    "competitive_employment",
    "exits",
    "intake_rate",
    "placement_rate",
    "competitive_employment_rate",
    "dropout_rate",
    "sustained_employment_6m_rate",
)
SUPPRESSED = f"<{SUPPRESSION_THRESHOLD}"

Dimension = Annotated[
    str, Query(description=f"one of {', '.join(DIMENSIONS)}", max_length=40)
]
AsOf = Annotated[date | None, Query(description="what had happened by this date")]
CohortBy = Annotated[Literal["referral", "intake"], Query()]


def cell(texts: Texts, row: OutcomeRow, name: str) -> str:
    """A figure as the table shows it: "<5" for a suppressed group."""
    if row.suppressed:
        return SUPPRESSED
    value = row.figures.get(name)
    if name.endswith(("_rate", "_share")):
        return texts.percent(value)
    return texts.number(value)


@router.get("/outcomes", name="ui_outcomes", response_class=HTMLResponse)
def outcomes_page(
    request: Request,
    texts: PageTexts,
    caller: OutcomeReader,
    views: ViewsDep,
    group_by: Dimension = "programme",
    as_of: AsOf = None,
    cohort_by: CohortBy = "referral",
) -> Response:
    def table(dimensions: list[str]) -> list[OutcomeRow]:
        return views.outcome_table(
            dimensions, cohort_by=cohort_by, as_of=as_of, suppress=True
        ).rows

    totals = table([])
    total = totals[0] if totals else None
    cohorts = table(["cohort"])
    breakdown = table([group_by])

    # (figure, its words, count, share of the referrals): the bars and the table.
    steps: list[tuple[str, str, int, str]] = []
    if total is not None and not total.suppressed:
        referrals = total.figures["referrals"] or 0
        for name in FUNNEL:
            value = int(total.figures[name] or 0)
            share = texts.percent(value / referrals if referrals else None)
            steps.append((name, texts.label(name), value, share))
    trend = rate_lines(
        [row.group["cohort"] or "" for row in cohorts],
        [
            (
                texts.label(name),
                [None if r.suppressed else r.figures.get(name) for r in cohorts],
            )
            for name in TREND
        ],
        [[cell(texts, r, name) for r in cohorts] for name in TREND],
        [texts.percent(share) for share in (0.0, 0.25, 0.5, 0.75, 1.0)],
    )
    return render(
        request,
        "outcomes.html",
        texts,
        caller,
        active="ui_outcomes",
        as_of=as_of,
        group_by=group_by,
        cohort_by=cohort_by,
        csv_query={
            "group_by": group_by,
            "cohort_by": cohort_by,
            **({"as_of": as_of.isoformat()} if as_of else {}),
        },
        dimensions=DIMENSIONS,
        total=total,
        funnel=funnel(
            [(words, n, f"{texts.number(n)} ({share})") for _, words, n, share in steps]
        ),
        funnel_steps=steps,
        cohorts=cohorts,
        trend=trend,
        trend_names=TREND,
        breakdown=breakdown,
        columns=TABLE,
        cell=lambda row, name: cell(texts, row, name),
        suppressed=SUPPRESSED,
        threshold=SUPPRESSION_THRESHOLD,
    )


@router.get("/outcomes.csv", name="ui_outcomes_csv")
def outcomes_csv(
    caller: OutcomeReader,
    views: ViewsDep,
    group_by: Dimension = "programme",
    as_of: AsOf = None,
    cohort_by: CohortBy = "referral",
) -> Response:
    table = views.outcome_table(
        [group_by], cohort_by=cohort_by, as_of=as_of, suppress=True
    )
    day = (as_of or table.query.evaluated_on).isoformat()
    return Response(
        table.csv(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": (
                f'attachment; filename="outcomes-{group_by}-{day}.csv"'
            ),
            "Cache-Control": "no-store",
        },
    )
