"""The ESF+ report against a small history worked out by hand, on SQLite and
PostgreSQL: each count is listed below with the trajectories it counts.

Programme ALPHA, period 2025, evaluated as of 2026-05-31 (every event is recorded
before it). P6 entered in 2024 and left in 2025; P7 was declined, P8 never taken in,
P13's intake was retracted: none of the three took part. P11 is in BETA.
"""

import random
from datetime import date
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from application.access import Caller
from application.access import Role
from application.projections.outcomes.queries import OutcomeScope
from application.reports.disclosure import Grid
from application.reports.esf import EsfQuery
from application.reports.esf import EsfReport
from application.reports.esf import InvalidPeriod
from application.reports.esf import Period
from application.reports.esf import PeriodNotStarted
from application.reports.esf import PeriodNotWhole
from application.reports.esf import ReportOrganisationForEvaluators
from application.reports.esf import esf_report
from application.reports.indicators import COLUMNS
from application.reports.indicators import GENDERS
from application.reports.indicators import INDICATOR_CODES
from application.reports.indicators import SUMS
from application.reports.indicators import TOTAL
from application.service import Trajectories
from application.views import Views
from domain.commands import CompleteIntake
from domain.commands import CorrectEntryProfile
from domain.errors import OrganisationNotInProgramme
from domain.vocabulary import DropoutReason
from domain.vocabulary import EducationLevel
from domain.vocabulary import ExitStatus
from domain.vocabulary import Gender
from domain.vocabulary import LabourStatus
from domain.vocabulary import ProfileField
from tests.application.test_outcomes import ALPHA
from tests.application.test_outcomes import BETA
from tests.application.test_outcomes import COACH
from tests.application.test_outcomes import ORG_A
from tests.application.test_outcomes import ORG_B
from tests.application.test_outcomes import complete
from tests.application.test_outcomes import decline
from tests.application.test_outcomes import drop_out
from tests.application.test_outcomes import exit_result
from tests.application.test_outcomes import follow_up
from tests.application.test_outcomes import refer
from tests.application.test_outcomes import register_programmes
from tests.application.test_outcomes import reopen
from tests.application.test_outcomes import retract
from tests.service_builders import coach_for

AS_OF = date(2026, 5, 31)
F, M, X, U = Gender.F, Gender.M, Gender.X, Gender.UNKNOWN
UNEMPLOYED, LONG_TERM = LabourStatus.UNEMPLOYED, LabourStatus.LONG_TERM_UNEMPLOYED
INACTIVE, EMPLOYED = LabourStatus.INACTIVE, LabourStatus.EMPLOYED
LOW, MEDIUM, HIGH = (
    EducationLevel.ISCED_0_2,
    EducationLevel.ISCED_3_4,
    EducationLevel.ISCED_5_8,
)


def take_in(
    service: Trajectories,
    trajectory_id: UUID,
    on: date,
    status: LabourStatus,
    education: EducationLevel,
    *,
    disability: bool = False,
) -> int:
    return service.record(
        trajectory_id,
        CompleteIntake(
            on=on,
            coach_id=coach_for(service, trajectory_id, COACH),
            rung=2,
            labour_status=status,
            education_level=education,
            barriers=[],
            disability=disability,
            postcode="9000",
        ),
        recorded_by=COACH,
    ).version


def correct(
    service: Trajectories,
    trajectory_id: UUID,
    on: date,
    field: ProfileField,
    value: Any,
) -> None:
    service.record(
        trajectory_id,
        CorrectEntryProfile(on=on, field=field, value=value, reason="typo"),
        recorded_by=COACH,
    )


def thirteen_trajectories(service: Trajectories) -> None:
    # P1: F, 34, long-term unemployed, ISCED 0-2; left 2025-03-31 employed, and
    # employed at 6 months (due 2025-09-30).
    p1 = refer(service, date(2025, 1, 6), gender=F)
    take_in(service, p1, date(2025, 1, 13), LONG_TERM, LOW)
    complete(service, p1, date(2025, 3, 31))
    exit_result(service, p1, date(2025, 4, 2), ExitStatus.EMPLOYED)
    follow_up(service, p1, date(2025, 10, 1), ExitStatus.EMPLOYED)
    # P2: F, 16, inactive, ISCED 0-2, a disability; dropped out 2025-06-30, no
    # exit result, no follow-up (due 2025-12-30: unknown at 6 months).
    p2 = refer(service, date(2025, 2, 3), gender=F, born=date(2008, 3, 1))
    take_in(service, p2, date(2025, 2, 10), INACTIVE, LOW, disability=True)
    drop_out(service, p2, date(2025, 6, 30), DropoutReason.LOST_CONTACT)
    # P3: M, 23, unemployed, ISCED 3-4; left 2025-08-29 job searching,
    # self-employed at 6 months (due 2026-02-28).
    p3 = refer(service, date(2025, 1, 20), gender=M, born=date(2001, 5, 1))
    take_in(service, p3, date(2025, 2, 1), UNEMPLOYED, MEDIUM)
    complete(service, p3, date(2025, 8, 29))
    exit_result(service, p3, date(2025, 9, 1), ExitStatus.JOB_SEARCHING)
    follow_up(service, p3, date(2026, 3, 1), ExitStatus.SELF_EMPLOYED)
    # P4: M, 27, employed, ISCED 5-8; left 2025-12-15 in education; its six
    # months (2026-06-15) have not passed by 2026-05-31.
    p4 = refer(service, date(2025, 3, 3), gender=M, born=date(1997, 7, 1))
    take_in(service, p4, date(2025, 3, 10), EMPLOYED, HIGH)
    complete(service, p4, date(2025, 12, 15))
    exit_result(service, p4, date(2025, 12, 20), ExitStatus.IN_EDUCATION)
    # P5: X, 60, long-term unemployed, ISCED 3-4, a disability; still active.
    p5 = refer(service, date(2025, 4, 1), gender=X, born=date(1965, 1, 1))
    take_in(service, p5, date(2025, 4, 15), LONG_TERM, MEDIUM, disability=True)
    # P6: gender unknown, taken in in 2024 (no participant of 2025), left
    # 2025-05-30 employed; job searching at 6 months.
    p6 = refer(service, date(2024, 11, 4), gender=U, born=date(1980, 1, 1))
    take_in(service, p6, date(2024, 12, 2), UNEMPLOYED, MEDIUM)
    complete(service, p6, date(2025, 5, 30))
    exit_result(service, p6, date(2025, 6, 2), ExitStatus.EMPLOYED)
    follow_up(service, p6, date(2025, 12, 1), ExitStatus.JOB_SEARCHING)
    # P7: declined; P8: no intake.
    decline(service, refer(service, date(2025, 5, 5), gender=F), date(2025, 5, 10))
    refer(service, date(2025, 11, 3), gender=F)
    # P9: F, 29, long-term unemployed corrected to unemployed, ISCED 0-2; leaves
    # in 2026.
    p9 = refer(service, date(2025, 6, 2), gender=F, born=date(1996, 6, 1))
    take_in(service, p9, date(2025, 6, 9), LONG_TERM, LOW)
    correct(service, p9, date(2025, 6, 20), ProfileField.LABOUR_STATUS, UNEMPLOYED)
    drop_out(service, p9, date(2026, 1, 15), DropoutReason.MOVED)
    # P10: M, 50, ORG_B, inactive, ISCED 0-2, a disability recorded by correction;
    # left 2025-10-31 self-employed, employed at 6 months (due 2026-04-30).
    p10 = refer(
        service, date(2025, 7, 1), gender=M, born=date(1975, 1, 1), organisation=ORG_B
    )
    take_in(service, p10, date(2025, 7, 7), INACTIVE, LOW)
    correct(service, p10, date(2025, 7, 20), ProfileField.DISABILITY, True)
    complete(service, p10, date(2025, 10, 31))
    exit_result(service, p10, date(2025, 11, 3), ExitStatus.SELF_EMPLOYED)
    follow_up(service, p10, date(2026, 5, 1), ExitStatus.EMPLOYED)
    # P11: in BETA.
    p11 = refer(service, date(2025, 3, 1), gender=F, programme=BETA, organisation=ORG_B)
    take_in(service, p11, date(2025, 3, 3), UNEMPLOYED, LOW)
    # P12: F, 25, unemployed, ISCED 5-8; dropped out in March, reopened, left
    # 2025-09-30 employed (the last exit counts), employed at 6 months.
    p12 = refer(service, date(2025, 1, 6), gender=F, born=date(2000, 1, 1))
    take_in(service, p12, date(2025, 1, 8), UNEMPLOYED, HIGH)
    drop_out(service, p12, date(2025, 3, 1), DropoutReason.MOVED)
    reopen(service, p12, date(2025, 4, 1))
    complete(service, p12, date(2025, 9, 30))
    exit_result(service, p12, date(2025, 10, 1), ExitStatus.EMPLOYED)
    follow_up(service, p12, date(2026, 4, 1), ExitStatus.EMPLOYED)
    # P13: M; the intake was entered in error and retracted.
    p13 = refer(service, date(2025, 2, 1), gender=M)
    version = take_in(service, p13, date(2025, 2, 5), UNEMPLOYED, LOW)
    retract(service, p13, version, date(2025, 2, 6))


# (F, M, X, unknown, total) per indicator, worked out from the list above.
EXPECTED_2025 = {
    # P1 P2 P9 P12 | P3 P4 P10 | P5
    "participants": (4, 3, 1, 0, 8),
    # P1 P9 P12 | P3 | P5
    "unemployed": (3, 1, 1, 0, 5),
    "long_term_unemployed": (1, 0, 1, 0, 2),  # P1 | P5 (P9 corrected)
    "inactive": (1, 1, 0, 0, 2),  # P2 | P10
    "employed": (0, 1, 0, 0, 1),  # P4
    "below_18": (1, 0, 0, 0, 1),  # P2
    "from_18_to_29": (2, 2, 0, 0, 4),  # P9 P12 | P3 P4
    "from_55": (0, 0, 1, 0, 1),  # P5
    "isced_0_2": (3, 1, 0, 0, 4),  # P1 P2 P9 | P10
    "isced_3_4": (0, 1, 1, 0, 2),  # P3 | P5
    "isced_5_8": (1, 1, 0, 0, 2),  # P12 | P4
    "disabilities": (1, 1, 1, 0, 3),  # P2 | P10 | P5
    # P1 P2 P12 | P3 P4 P10 | | P6
    "leavers": (3, 3, 0, 1, 7),
    "job_searching_on_leaving": (0, 1, 0, 0, 1),  # P3
    "education_on_leaving": (0, 1, 0, 0, 1),  # P4
    "employed_on_leaving": (2, 1, 0, 1, 4),  # P1 P12 | P10 | | P6
    "unknown_on_leaving": (1, 0, 0, 0, 1),  # P2
    # every leaver but P4 (due 2026-06-15)
    "leavers_six_months_past": (3, 2, 0, 1, 6),
    "employed_six_months": (2, 2, 0, 0, 4),  # P1 P12 | P3 P10
    "unknown_six_months": (1, 0, 0, 0, 1),  # P2
}


@pytest.fixture
def views(service: Trajectories) -> Views:
    register_programmes(service)
    thirteen_trajectories(service)
    views = Views(service)
    views.catch_up()
    return views


def report(views: Views, period: str = "2025", **options: Any) -> EsfReport:
    options.setdefault("as_of", AS_OF)
    return esf_report(views, EsfQuery.parse(programme=ALPHA, period=period, **options))


def counts(report: EsfReport) -> dict[str, tuple[int | None, ...]]:
    return {
        line.indicator.code: tuple(line.counts[c] for c in COLUMNS)
        for line in report.lines
    }


def test_each_indicator_counts_what_was_worked_out_by_hand(views: Views) -> None:
    assert counts(report(views)) == EXPECTED_2025


def test_live_figures_are_the_same_once_every_six_months_have_passed(
    views: Views,
) -> None:
    live = counts(report(views, as_of=None))

    # By now P4's six months have passed too, without a follow-up: unknown.
    assert live == EXPECTED_2025 | {
        "leavers_six_months_past": (3, 3, 0, 1, 7),
        "unknown_six_months": (1, 1, 0, 0, 2),
    }


def test_a_quarter_counts_the_entries_and_exits_within_it(views: Views) -> None:
    first = counts(report(views, "2025Q1"))

    assert first["participants"] == (3, 2, 0, 0, 5)  # P1 P2 P12 | P3 P4
    assert first["leavers"] == (1, 0, 0, 0, 1)  # P1 (P12 left again later)
    assert first["employed_on_leaving"] == (1, 0, 0, 0, 1)


def test_two_dates_make_a_period_too(views: Views) -> None:
    summer = counts(report(views, "2025-06-01..2025-08-31"))

    assert summer["participants"] == (1, 1, 0, 0, 2)  # P9 | P10
    assert summer["leavers"] == (1, 1, 0, 0, 2)  # P2 (06-30) | P3 (08-29)


def test_an_organisation_sees_its_own_trajectories(views: Views) -> None:
    staff = Caller(UUID(int=1), "Jan", Role.STAFF, ORG_B)

    own = counts(report(views, scope=OutcomeScope.of(staff)))

    only_p10 = (0, 1, 0, 0, 1)
    nothing = (0, 0, 0, 0, 0)
    assert own["participants"] == only_p10
    assert own["inactive"] == only_p10
    assert own["disabilities"] == only_p10
    assert own["employed_six_months"] == only_p10
    assert own["unemployed"] == nothing


def test_an_organisation_outside_the_programme_is_refused(views: Views) -> None:
    query = EsfQuery.parse(
        programme=BETA, period="2025", as_of=AS_OF, organisation=ORG_A
    )

    with pytest.raises(OrganisationNotInProgramme):
        esf_report(views, query)


def test_what_the_data_cannot_give_is_named_not_counted(views: Views) -> None:
    names = [item.name for item in report(views).not_recorded]

    assert "participants gaining a qualification upon leaving" in names
    assert "third-country nationals" in names
    assert not set(names) & {line.indicator.name for line in report(views).lines}
    assert all(line.indicator.counted_from for line in report(views).lines)


@pytest.mark.parametrize(
    ("text", "starts_on", "ends_on", "whole"),
    [
        ("2025", date(2025, 1, 1), date(2025, 12, 31), True),
        ("2025Q2", date(2025, 4, 1), date(2025, 6, 30), True),
        ("2024Q4", date(2024, 10, 1), date(2024, 12, 31), True),
        ("2025-02-01..2025-02-28", date(2025, 2, 1), date(2025, 2, 28), False),
    ],
)
def test_a_period_is_a_year_a_quarter_or_two_dates(
    text: str, starts_on: date, ends_on: date, whole: bool
) -> None:
    period = Period.parse(text)

    assert (period.starts_on, period.ends_on, period.whole) == (
        starts_on,
        ends_on,
        whole,
    )


@pytest.mark.parametrize(
    "text", ["25", "2025Q5", "2025-02-30..2025-03-01", "2025-03-01..2025-02-01", ""]
)
def test_a_period_of_another_shape_is_refused_naming_it(text: str) -> None:
    with pytest.raises(InvalidPeriod) as refused:
        Period.parse(text)

    assert repr(text) in refused.value.message


def test_a_period_after_the_evaluation_date_is_refused() -> None:
    with pytest.raises(PeriodNotStarted):
        EsfQuery.parse(programme=ALPHA, period="2026Q3", as_of=AS_OF)


# Evaluators -------------------------------------------------------------------------

AS_EVAL = OutcomeScope(suppress=True, month_ends=True)


@pytest.mark.parametrize("period", ["2025-01-01..2025-01-30", "2025Q4"])
def test_an_evaluator_asks_for_a_whole_year_of_the_whole_programme(
    period: str,
) -> None:
    with pytest.raises(PeriodNotWhole):
        EsfQuery.parse(programme=ALPHA, period=period, scope=AS_EVAL)
    with pytest.raises(ReportOrganisationForEvaluators):
        EsfQuery.parse(
            programme=ALPHA, period="2025", organisation=ORG_A, scope=AS_EVAL
        )


def test_an_evaluator_sees_no_count_below_5(views: Views) -> None:
    seen = report(views, scope=AS_EVAL)

    assert seen.release is not None and seen.release.as_of == AS_OF
    for line in seen.lines:
        for column in COLUMNS:
            value = line.counts[column]
            assert value is None or value >= 5, (line.indicator.code, column)
            if value is None:
                assert line.withheld[column] in ("<5", "x")
    # 8 participants in all, in quarters of fewer than 5 that the outcome tables
    # withhold (and so their year): the report withholds them too.
    evaluator = Caller(UUID(int=2), "Eva", Role.EVALUATOR, None)
    quarters = quarters_beside(views, "2025", evaluator)
    assert any(shown[TOTAL][1] for shown in quarters.values())
    assert seen.line("participants").withheld[TOTAL] == "x"


# An evaluator who adds and subtracts -------------------------------------------------

# How the report's counts hang together, as an evaluator reads the Annex and the
# vocabulary (written here apart from the code that withholds them): a total, its
# parts, and whether the parts leave a rest that could be anything (False: the parts
# make the whole, as every intake records a labour status and an education level).
RELATIONS = [
    ("participants", ["unemployed", "inactive", "employed"], False),
    ("unemployed", ["long_term_unemployed"], True),
    ("participants", ["below_18", "from_18_to_29", "from_55"], True),
    ("participants", ["isced_0_2", "isced_3_4", "isced_5_8"], False),
    ("participants", ["disabilities"], True),
    (
        "leavers",
        [
            "job_searching_on_leaving",
            "education_on_leaving",
            "employed_on_leaving",
            "unknown_on_leaving",
        ],
        True,
    ),
    ("leavers", ["leavers_six_months_past"], True),
    ("leavers_six_months_past", ["employed_six_months", "unknown_six_months"], True),
]
ANY = 10**9
Key = tuple[str, ...]
# quarter -> column -> (the programme's intakes in it, how the outcome table shows
# them: None where shown)
Quarters = dict[str, dict[str, tuple[int, str | None]]]


class Evaluator:
    """Knows what is shown, what the marks mean, and the relations above; works out
    every count that a relation with one unknown gives, or whose unknowns must all
    be 0 or all at their most."""

    def __init__(self) -> None:
        self.low: dict[Key, int] = {}
        self.high: dict[Key, int] = {}
        self.true: dict[Key, int] = {}
        self.sums: list[tuple[Key, list[Key]]] = []

    def sees(self, key: Key, true: int, mark: str | None) -> None:
        self.true[key] = true
        if mark is None:
            self.low[key] = self.high[key] = true
        elif mark == "<5":
            self.low[key], self.high[key] = 0, 4
        else:
            self.low[key], self.high[key] = 0, ANY

    def pinned(self) -> dict[Key, int]:
        low, high = self.low, self.high
        changed = True
        while changed:
            changed = False
            for total, parts in self.sums:
                unknown = [p for p in parts if low[p] != high[p]]
                if not unknown:
                    if low[total] != high[total]:
                        low[total] = high[total] = sum(low[p] for p in parts)
                        changed = True
                    continue
                if low[total] != high[total]:
                    continue
                left = low[total] - sum(low[p] for p in parts if p not in unknown)
                if len(unknown) == 1:
                    low[unknown[0]] = high[unknown[0]] = left
                elif left == 0:
                    for part in unknown:
                        low[part] = high[part] = 0
                elif left == sum(high[p] for p in unknown):
                    for part in unknown:
                        low[part] = high[part]
                else:
                    continue
                changed = True
        return {key: self.true[key] for key in self.true if low[key] == high[key]}


def learned(seen: EsfReport, truth: EsfReport, quarters: Quarters) -> dict[Key, int]:
    """Every count and rest the evaluator pins down from the report and the outcome
    tables' intakes of its quarters, with its true value."""
    evaluator = Evaluator()
    for line in seen.lines:
        code = line.indicator.code
        for column in COLUMNS:
            true = truth.line(code).counts[column]
            assert true is not None
            evaluator.sees((code, column), true, line.withheld.get(column))
        row: list[Key] = [(code, g) for g in GENDERS]
        evaluator.sums.append(((code, TOTAL), row))
    for number, (total, parts, rest) in enumerate(RELATIONS):
        for column in COLUMNS:
            members: list[Key] = [(part, column) for part in parts]
            if rest:
                left = evaluator.true[(total, column)]
                left -= sum(evaluator.true[m] for m in members)
                evaluator.sees(("rest", str(number), column), left, "x")
                members.append(("rest", str(number), column))
            evaluator.sums.append(((total, column), members))
    for column in COLUMNS:
        of_quarters: list[Key] = []
        for quarter, shown in quarters.items():
            true, mark = shown.get(column, (0, None))
            evaluator.sees(("quarter", quarter, column), true, mark)
            of_quarters.append(("quarter", quarter, column))
        evaluator.sums.append((("participants", column), of_quarters))
    for quarter in quarters:
        evaluator.sums.append(
            (("quarter", quarter, TOTAL), [("quarter", quarter, g) for g in GENDERS])
        )
    return evaluator.pinned()


def withheld_yet_pinned(found: dict[Key, int], quarters: Quarters) -> dict[Key, int]:
    """The participants of the year that the outcome tables' year cohorts withhold
    (where they withhold one of its quarters) that the evaluator works out all the
    same, from the report and the tables together."""
    return {
        ("participants", column): found[("participants", column)]
        for column in COLUMNS
        if any(shown.get(column, (0, None))[1] for shown in quarters.values())
        and ("participants", column) in found
    }


def random_history(service: Trajectories, seed: int, *, young: bool = False) -> None:
    """Fifty trajectories of ALPHA entering in 2025, most leaving in it, drawn at
    random; ``young``: every one of them aged 18 to 29."""
    draw = random.Random(seed)
    statuses = [UNEMPLOYED, LONG_TERM, INACTIVE, EMPLOYED]
    for _ in range(50):
        referred = date(2025, draw.randint(1, 11), draw.randint(1, 20))
        trajectory = refer(
            service,
            referred,
            gender=draw.choices([F, M, X, U], weights=[10, 10, 1, 1])[0],
            born=date(
                draw.randint(1997, 2005) if young else draw.randint(1962, 2007),
                draw.randint(1, 12),
                1,
            ),
            organisation=draw.choice([ORG_A, ORG_B]),
        )
        intake = referred + timedelta(days=3)
        take_in(
            service,
            trajectory,
            intake,
            draw.choice(statuses),
            draw.choice([LOW, LOW, MEDIUM, HIGH]),
            disability=draw.random() < 0.2,
        )
        if intake.month <= 9 and draw.random() < 0.7:
            left = date(2025, intake.month + draw.randint(1, 3), 25)
            complete(service, trajectory, left)
            status = draw.choice(list(ExitStatus))
            exit_result(service, trajectory, left + timedelta(days=2), status)


def quarters_beside(views: Views, period: str, evaluator: Caller) -> Quarters:
    """The programme's intakes of each quarter of the period as the evaluator's
    outcome tables show them (by gender, and in all), with their true counts."""
    quarters: Quarters = {}
    for group_by in (("programme", "gender", "cohort"), ("programme", "cohort")):
        options: dict[str, Any] = {"cohort_by": "intake", "as_of": AS_OF}
        shown = views.outcome_table(group_by, reader=evaluator, **options)
        full = views.outcome_table(group_by, suppress=False, **options)
        truths = {tuple(row.group.items()): row for row in full.rows}
        for row in shown.rows:
            quarter = row.group["cohort"]
            if row.group["programme"] != ALPHA or quarter is None:
                continue
            if quarter not in Period.parse(period).quarters():
                continue
            whole = truths.get(tuple(row.group.items()))
            true = int(whole.figures["intakes"]) if whole else 0
            column = str(row.group.get("gender", TOTAL))
            quarters.setdefault(quarter, {})[column] = (true, row.mark("intakes"))
    return quarters


@pytest.mark.parametrize("period", ["2025"])
def test_an_evaluator_cannot_work_out_a_small_count(
    service: Trajectories, period: str
) -> None:
    register_programmes(service)
    random_history(service, seed=7)
    views = Views(service)
    views.catch_up()
    evaluator = Caller(UUID(int=2), "Eva", Role.EVALUATOR, None)
    truth = report(views, period)

    seen = report(views, period, scope=OutcomeScope.of(evaluator))

    quarters = quarters_beside(views, period, evaluator)
    found = learned(seen, truth, quarters)
    small = {key: n for key, n in found.items() if 0 < n < 5}
    assert {key: n for key, n in small.items() if key[0] != "quarter"} == {}
    assert withheld_yet_pinned(found, quarters) == {}
    withheld = sum(len(line.withheld) for line in seen.lines)
    assert 0 < withheld < len(INDICATOR_CODES) * len(COLUMNS)  # it still says a lot


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_no_line_the_participants_are_the_total_of_gives_away_a_withheld_one(
    service: Trajectories, seed: int
) -> None:
    """The probe's attacks: the participants of a year withheld for men while those
    aged 18 to 29 (every one of them) were shown; a year's participants shown where
    the outcome tables withhold one of its quarters."""
    register_programmes(service)
    random_history(service, seed=seed, young=seed % 2 == 0)
    views = Views(service)
    views.catch_up()
    evaluator = Caller(UUID(int=2), "Eva", Role.EVALUATOR, None)
    truth = report(views, "2025")

    seen = report(views, "2025", scope=OutcomeScope.of(evaluator))

    quarters = quarters_beside(views, "2025", evaluator)
    found = learned(seen, truth, quarters)
    assert {k: n for k, n in found.items() if 0 < n < 5 and k[0] != "quarter"} == {}
    assert withheld_yet_pinned(found, quarters) == {}
    for column in COLUMNS:  # shown only where the outcome tables' year shows it
        if any(q.get(column, (0, None))[1] for q in quarters.values()):
            assert column in seen.line("participants").withheld


def test_a_count_pinned_by_a_total_is_withheld_too() -> None:
    grid = Grid()
    parts = [grid.cell(n) for n in (3, 10, 12)]
    total = grid.cell(25)
    grid.add_sum(total, parts)

    withheld = grid.decide()

    assert withheld[parts[0]] == "<5"
    assert withheld[parts[1]] == "x"  # the smaller of the two shown parts
    assert parts[2] not in withheld and total not in withheld
    assert SUMS  # the report's own sums are what the attacker's above mirror
