"""Every outcome metric, with its definition: the one place evaluators need to read.

Counts, means and medians are SQL aggregates over the fact table (one row per
trajectory, see ``facts.py``); rates divide two of those counts. A rate over an empty
denominator has no value (None), never 0. Each ``%s`` is the evaluation
date: today, or the as-of date.

``DEFINITIONS`` says what each figure means, with what it counts and what it is taken
over: ``GET /outcomes/definitions`` gives the words, the outcomes page and the exports
show them beside the figures (in Dutch from the pages' catalogue ``definitions.po``,
whose msgids are these English words).
"""

from __future__ import annotations

from dataclasses import dataclass

EMPLOYED = "('employed', 'self_employed')"
SUSTAINED_DUE = "sustained_due_on <= %s"


@dataclass(frozen=True)
class Count:
    """A figure that counts trajectories: ``sql`` is the aggregate over the facts."""

    name: str
    sql: str
    definition: str


@dataclass(frozen=True)
class Rate:
    """A figure that divides one count by another; null over an empty denominator."""

    name: str
    numerator: str
    denominator: str
    definition: str


@dataclass(frozen=True)
class Median:
    name: str
    column: str
    definition: str


COUNTS = (
    Count("referrals", "COUNT(*)", "trajectories referred (declined ones too)"),
    Count("intakes", "COUNT(intake_on)", "trajectories with an intake"),
    Count(
        "placed",
        "COUNT(first_placement_on)",
        "trajectories with at least one placement",
    ),
    Count(
        "competitive_employment",
        "SUM(CASE WHEN competitive THEN 1 ELSE 0 END)",
        "trajectories with at least one competitive placement (a paid regular job, "
        "regular job with support, or self-employment)",
    ),
    Count(
        "exits",
        "COUNT(exit_on)",
        "trajectories completed or dropped out (a declined referral is no exit; a "
        "reopened trajectory counts once, with its last exit)",
    ),
    Count(
        "dropouts",
        "COUNT(dropout_reason)",
        "exits by dropout",
    ),
    Count(
        "employed_on_leaving",
        f"SUM(CASE WHEN exit_on IS NOT NULL AND exit_result IN {EMPLOYED} "
        "THEN 1 ELSE 0 END)",
        "exits whose exit result is employed or self-employed",
    ),
    Count(
        "exit_result_unknown",
        "SUM(CASE WHEN exit_on IS NOT NULL AND (exit_result IS NULL OR "
        "exit_result = 'unknown') THEN 1 ELSE 0 END)",
        "exits without an exit result, or with status unknown (in the denominator "
        "of employed on leaving)",
    ),
    Count(
        "sustained_due",
        f"SUM(CASE WHEN {SUSTAINED_DUE} THEN 1 ELSE 0 END)",
        "exits whose exit date + 6 months is on or before the evaluation date",
    ),
    Count(
        "sustained_employment_6m",
        f"SUM(CASE WHEN {SUSTAINED_DUE} AND follow_up_6 IN {EMPLOYED} "
        "THEN 1 ELSE 0 END)",
        "exits due whose 6-month follow-up is employed or self-employed",
    ),
    Count(
        "sustained_unknown_6m",
        f"SUM(CASE WHEN {SUSTAINED_DUE} AND (follow_up_6 IS NULL OR "
        "follow_up_6 = 'unknown') THEN 1 ELSE 0 END)",
        "exits due without a 6-month follow-up, or with status unknown (they stay "
        "in the denominator and are shown apart)",
    ),
    Count(
        "ladder_up",
        "SUM(CASE WHEN latest_rung - rung_at_intake >= 1 THEN 1 ELSE 0 END)",
        "intakes whose latest rung is at least one above the intake rung",
    ),
)

LADDER_CHANGE_SQL = "AVG(latest_rung - rung_at_intake)"
LADDER_CHANGE_DEFINITION = (
    "mean over intakes of (latest rung - intake rung); the latest rung is the last "
    "ladder assessment, or the intake rung when there is none"
)

RATES = (
    Rate("intake_rate", "intakes", "referrals", "intakes / referrals"),
    Rate("placement_rate", "placed", "intakes", "placed / intakes"),
    Rate(
        "competitive_employment_rate",
        "competitive_employment",
        "intakes",
        "competitive employment / intakes",
    ),
    Rate(
        "still_unplaced_share",
        "unplaced",
        "intakes",
        "intakes without a placement / intakes",
    ),
    Rate("dropout_rate", "dropouts", "exits", "dropouts / exits"),
    Rate(
        "employed_on_leaving_rate",
        "employed_on_leaving",
        "exits",
        "employed on leaving / exits (no exit result counts as unknown)",
    ),
    Rate(
        "exit_result_unknown_share",
        "exit_result_unknown",
        "exits",
        "exits with unknown result / exits",
    ),
    Rate(
        "sustained_employment_6m_rate",
        "sustained_employment_6m",
        "sustained_due",
        "employed or self-employed at the 6-month follow-up / exits due",
    ),
    Rate(
        "sustained_unknown_6m_share",
        "sustained_unknown_6m",
        "sustained_due",
        "exits due with unknown 6-month status / exits due",
    ),
    Rate("ladder_up_share", "ladder_up", "intakes", "up one rung or more / intakes"),
)

MEDIANS = (
    Median(
        "median_days_to_intake",
        "days_to_intake",
        "median of whole days from referral to intake, over trajectories with an "
        "intake (even count: the mean of the middle two)",
    ),
    Median(
        "median_days_to_first_placement",
        "days_to_first_placement",
        "median of whole days from intake to the first placement, over placed "
        "trajectories (even count: the mean of the middle two)",
    ),
)

DROPOUT_RATE_BY_REASON = "dropouts with the reason / exits, for each reason"
COST_DEFINITIONS = {
    "cost_per_participant": "programme budget / intakes; only for a whole programme "
    "(grouped by programme alone, no cohort); the budget is the programme's total "
    "as it stood on the evaluation date (a new total granted with a change of its "
    "period counts from the day it was decided)",
    "cost_per_placement": "programme budget / placed; only for a whole programme, "
    "with the budget as for the cost per participant",
}
BUDGET = "budget"  # the numerator of the costs: the programme's, not a figure
SUPPRESSION_THRESHOLD = 5
SUPPRESSION = (
    f"a group of fewer than {SUPPRESSION_THRESHOLD} trajectories is suppressed for "
    'evaluators: its figures are withheld (shown as "<5")'
)


@dataclass(frozen=True)
class Definition:
    """What a figure means (``text``), and what it is worked out from: a rate's
    ``numerator`` and ``denominator``, the count a mean or a median is taken
    ``over`` (its denominator too), a cost's budget over a count. Each is a figure's
    name (defined itself) or ``BUDGET``; a count has neither."""

    name: str
    text: str
    numerator: str | None = None
    denominator: str | None = None
    noun: str | None = None  # a count's: what it counts, in a few words

    @property
    def kind(self) -> str:
        """count, rate, mean, median or cost."""
        if self.name.startswith("cost_"):
            return "cost"
        if self.name.startswith("median_"):
            return "median"
        if self.name == "ladder_mean_change":
            return "mean"
        return "rate" if self.denominator else "count"


# The count each median is taken over.
MEDIAN_OVER = {
    "median_days_to_intake": "intakes",
    "median_days_to_first_placement": "placed",
}

# What each count counts, in a few words: "61 of 262 trajectories with an intake".
NOUNS = {
    "referrals": "trajectories referred",
    "intakes": "trajectories with an intake",
    "placed": "trajectories placed",
    "competitive_employment": "trajectories in competitive employment",
    "exits": "exits (completed or dropped out)",
    "dropouts": "exits by dropout",
    "employed_on_leaving": "exits employed on leaving",
    "exit_result_unknown": "exits with the result unknown",
    "sustained_due": "exits at least 6 months ago",
    "sustained_employment_6m": "exits employed at 6 months",
    "sustained_unknown_6m": "exits unknown at 6 months",
    "ladder_up": "intakes up one rung or more",
}

DEFINITIONS: tuple[Definition, ...] = (
    *(Definition(c.name, c.definition, noun=NOUNS[c.name]) for c in COUNTS),
    Definition("ladder_mean_change", LADDER_CHANGE_DEFINITION, denominator="intakes"),
    *(
        Definition(m.name, m.definition, denominator=MEDIAN_OVER[m.name])
        for m in MEDIANS
    ),
    *(Definition(r.name, r.definition, r.numerator, r.denominator) for r in RATES),
    Definition("dropout_rate_by_reason", DROPOUT_RATE_BY_REASON, "dropouts", "exits"),
    Definition(
        "cost_per_participant",
        COST_DEFINITIONS["cost_per_participant"],
        BUDGET,
        "intakes",
    ),
    Definition(
        "cost_per_placement", COST_DEFINITIONS["cost_per_placement"], BUDGET, "placed"
    ),
)
DEFINED = {d.name: d for d in DEFINITIONS}


def definitions() -> dict[str, str]:
    """Every figure's definition, by name, in the order the outcome table gives."""
    return {d.name: d.text for d in DEFINITIONS}


def rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None
