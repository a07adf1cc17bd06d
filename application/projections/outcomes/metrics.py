"""Every outcome metric, with its definition: the one place evaluators need to read.

Counts, means and medians are SQL aggregates over the fact table (one row per
trajectory, see ``facts.py``); rates divide two of those counts. A rate over an empty
denominator has no value (None), never 0. Each ``%s`` is the evaluation
date: today, or the as-of date.
"""

from __future__ import annotations

from dataclasses import dataclass

EMPLOYED = "('employed', 'self_employed')"
SUSTAINED_DUE = "sustained_due_on <= %s"


@dataclass(frozen=True)
class Count:
    name: str
    sql: str
    definition: str


@dataclass(frozen=True)
class Rate:
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
        "trajectories with at least one competitive placement: a paid regular job, "
        "regular job with support, or self-employment",
    ),
    Count(
        "exits",
        "COUNT(exit_on)",
        "trajectories completed or dropped out; a declined referral is no exit, a "
        "reopened trajectory counts once, with its last exit",
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
        "exits due without a 6-month follow-up, or with status unknown: they stay "
        "in the denominator and are shown apart",
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

DROPOUT_RATE_BY_REASON = (
    "dropout_rate_by_reason: dropouts with the reason / exits, for each reason"
)
COST_DEFINITIONS = {
    "cost_per_participant": "programme budget / intakes; only for a whole programme "
    "(grouped by programme alone, no cohort)",
    "cost_per_placement": "programme budget / placed; only for a whole programme",
}
SUPPRESSION_THRESHOLD = 5
SUPPRESSION = (
    f"a group of fewer than {SUPPRESSION_THRESHOLD} trajectories is suppressed for "
    'evaluators: its figures are withheld (shown as "<5")'
)


def definitions() -> dict[str, str]:
    """Every figure's definition, by name, in the order the outcome table gives."""
    described: dict[str, str] = {c.name: c.definition for c in COUNTS}
    described["ladder_mean_change"] = LADDER_CHANGE_DEFINITION
    described.update((m.name, m.definition) for m in MEDIANS)
    described.update((r.name, r.definition) for r in RATES)
    described["dropout_rate_by_reason"] = DROPOUT_RATE_BY_REASON
    described.update(COST_DEFINITIONS)
    return described


def rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None
