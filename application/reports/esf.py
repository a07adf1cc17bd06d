"""The funder's report: the ESF+ common indicators (Regulation (EU) 2021/1057,
Annex I) that the recorded data supports, for one programme and period, by gender.

Every indicator is a count of trajectories over the outcome facts (one row per
trajectory, ``projections/outcomes/facts.py``), the same table the outcome figures
are SQL over, in one scan:

- *participants* are the trajectories of the programme whose intake is in the
  period: the intake is where participation starts and the entry profile is fixed
  (a declined referral, or a referral without an intake, never took part); the
  indicators on entry count them by what the intake recorded, as corrected since;
- *leavers* are participants whose trajectory ended (completed or dropped out) in the
  period, a reopened one with its last exit; the indicators on leaving count them by
  their exit result, which is observed within 28 days of the exit (the Annex's
  four weeks);
- the six-month indicator counts the leavers of the period whose six months have
  passed by the evaluation date, by their 6-month follow-up.

The indicators, with what each is counted from, are in ``indicators.py``; one the
data cannot support is named there (``NOT_RECORDED``), never estimated.
Who sees what follows the outcome figures (``OutcomeScope``): auditors and admins
every count; staff their own organisation's trajectories; evaluators the report of a
whole year (never a quarter: a year less three of its quarters would give the fourth),
as of a month's last day (its release), under disclosure control
(``reports/disclosure.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import timedelta
from typing import Any
from uuid import UUID

from application.access import Caller
from application.access import Forbidden
from application.access import Role
from application.projections.outcomes.disclosure import WITHHELD
from application.projections.outcomes.queries import OutcomeQuery
from application.projections.outcomes.queries import OutcomeScope
from application.projections.outcomes.queries import Release
from application.projections.outcomes.queries import replay
from application.projections.sql import Cursor
from application.reports.disclosure import Grid
from application.reports.indicators import COLUMNS
from application.reports.indicators import GENDERS
from application.reports.indicators import INDICATOR_CODES
from application.reports.indicators import INDICATORS
from application.reports.indicators import LEAVERS
from application.reports.indicators import LEAVERS_DUE
from application.reports.indicators import NOT_RECORDED
from application.reports.indicators import PARTICIPANTS
from application.reports.indicators import SUMS
from application.reports.indicators import TOTAL
from application.reports.indicators import Indicator
from application.reports.indicators import NotRecorded
from application.views import Views
from domain.calendar import today
from domain.errors import InvalidValue
from domain.errors import OrganisationNotInProgramme
from domain.vocabulary import Gender
from domain.vocabulary import cohort_of

# The period -------------------------------------------------------------------------

YEAR = re.compile(r"(\d{4})")
QUARTER = re.compile(r"(\d{4})Q([1-4])")
DATES = re.compile(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})")


class InvalidPeriod(InvalidValue):
    code = "invalid_period"
    template = (
        "period {period!r} is not a year (2025), a quarter (2025Q1) or two dates, "
        "the first not after the second (2025-01-01..2025-06-30)"
    )

    period: str


class PeriodNotWhole(InvalidValue):
    code = "period_not_whole"
    template = (
        "an evaluator's ESF+ report is of a whole year (2025), not of {period}: a "
        "year's report set against those of its quarters or of other dates could "
        "tell one person's entry or exit apart"
    )

    period: str


class PeriodNotStarted(InvalidValue):
    code = "period_not_started"
    template = (
        "period {period} starts on {starts_on}, after the evaluation date "
        "{evaluated_on}: there is nothing to report yet"
    )

    period: str
    starts_on: date
    evaluated_on: date


class ReportOrganisationForEvaluators(Forbidden):
    code = "organisation_for_evaluators"

    def __init__(self) -> None:
        super().__init__(
            "an evaluator's ESF+ report is of the whole programme, every "
            "organisation's trajectories together: it takes no organisation"
        )


@dataclass(frozen=True)
class Period:
    """The dates a report covers, both included, and how it was asked for."""

    name: str
    starts_on: date
    ends_on: date
    whole: bool  # a year or a quarter

    @classmethod
    def parse(cls, text: str) -> Period:
        text = text.strip()
        if match := YEAR.fullmatch(text):
            year = int(match[1])
            return cls(text, date(year, 1, 1), date(year, 12, 31), True)
        if match := QUARTER.fullmatch(text):
            year, quarter = int(match[1]), int(match[2])
            starts_on = date(year, 3 * quarter - 2, 1)
            next_start = (
                date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
            )
            return cls(text, starts_on, next_start - timedelta(days=1), True)
        if match := DATES.fullmatch(text):
            try:
                starts_on = date.fromisoformat(match[1])
                ends_on = date.fromisoformat(match[2])
            except ValueError:
                raise InvalidPeriod(text) from None
            if starts_on <= ends_on:
                return cls(text, starts_on, ends_on, False)
        raise InvalidPeriod(text)

    @property
    def is_year(self) -> bool:
        """A whole calendar year: years are disjoint, no two tell a difference."""
        return YEAR.fullmatch(self.name) is not None

    def quarters(self) -> list[str]:
        """The quarters a year or a quarter is made of, as cohorts (2025Q1)."""
        year = self.starts_on.year
        months = range(self.starts_on.month, self.ends_on.month + 1)
        return sorted({cohort_of(date(year, month, 1).isoformat()) for month in months})


# The query and the report -----------------------------------------------------------


@dataclass(frozen=True)
class EsfQuery:
    programme: str
    period: Period
    as_of: date | None = None
    organisation: str | None = None
    suppress: bool = False
    month_ends: bool = False

    @classmethod
    def parse(
        cls,
        *,
        programme: str,
        period: str,
        as_of: date | None = None,
        organisation: str | None = None,
        scope: OutcomeScope | None = None,
    ) -> EsfQuery:
        """The report a caller of ``scope`` may have (by default: every count):
        evaluators' of a whole year of the whole programme, as of a month's end;
        staff's of their own organisation's trajectories."""
        scope = scope or OutcomeScope()
        parsed = Period.parse(period)
        if scope.suppress and organisation is not None:
            raise ReportOrganisationForEvaluators()
        if scope.suppress and not parsed.is_year:
            raise PeriodNotWhole(parsed.name)
        # The rules for as_of are the outcome figures': not in the future, and for
        # evaluators the last day of a month that has ended (the last by default).
        as_of = OutcomeQuery.parse(
            group_by=(),
            cohort=None,
            cohort_by="referral",
            as_of=as_of,
            known_at=None,
            suppress=False,
            month_ends=scope.month_ends,
        ).as_of
        query = cls(
            programme.strip(),
            parsed,
            as_of,
            scope.limit(organisation),
            scope.suppress,
            scope.month_ends,
        )
        if parsed.starts_on > query.evaluated_on:
            raise PeriodNotStarted(parsed.name, parsed.starts_on, query.evaluated_on)
        return query

    @property
    def evaluated_on(self) -> date:
        """What the report knows of: today, or the as-of date."""
        return self.as_of if self.as_of is not None else today()


@dataclass
class EsfLine:
    """One indicator's counts by column (``GENDERS`` and ``TOTAL``); a withheld
    count is None, with its mark (``<5`` or ``x``) in ``withheld``."""

    indicator: Indicator
    counts: dict[str, int | None]
    withheld: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ProgrammeOfReport:
    code: str
    name: str
    funder: str


@dataclass(frozen=True)
class EsfReport:
    query: EsfQuery
    programme: ProgrammeOfReport
    lines: list[EsfLine]
    release: Release | None = None
    not_recorded: tuple[NotRecorded, ...] = NOT_RECORDED

    def line(self, code: str) -> EsfLine:
        return next(line for line in self.lines if line.indicator.code == code)


# Working it out ---------------------------------------------------------------------


def esf_report(views: Views, query: EsfQuery) -> EsfReport:
    """The report, from the live facts, a replay as of a date, or (evaluators) the
    month's release, with disclosure control where the query asks for it."""
    programme = views.app.programme(query.programme)
    if query.organisation and query.organisation not in programme.organisations:
        raise OrganisationNotInProgramme(programme.code, query.organisation)
    with _facts(views, query) as (cursor, table, release):
        counts, quarters = _counts(cursor, table, query)
    lines = [
        EsfLine(indicator, dict(counts[indicator.code])) for indicator in INDICATORS
    ]
    if query.suppress:
        _withhold(lines, quarters, _outcome_marks(views, query))
    return EsfReport(
        query,
        ProgrammeOfReport(programme.code, programme.name, programme.funder),
        lines,
        release,
    )


@contextmanager
def _facts(
    views: Views, query: EsfQuery
) -> Iterator[tuple[Cursor, str, Release | None]]:
    """A cursor and the table of the facts the report counts, and its release."""
    view = views.outcomes.view
    if query.month_ends:
        assert query.as_of is not None
        released, release = views.release_of(query.as_of)
        with released.reading() as cursor:
            yield cursor, released.name(released.table), release
    elif query.as_of is None:
        with views.app.reads.standby(), view.reading() as cursor:
            yield cursor, view.name(view.table), None
    else:
        # A replay scans the whole history: one of the few that may run at once.
        with views.releases.replay_slot():
            source = views.app.reads.source(views.source)
            rows = replay(source, views.outcomes.topics, query.as_of, None)
            with view.temporary(rows) as (cursor, table):
                yield cursor, table, None


Counts = dict[str, dict[str, int]]


def _counts(cursor: Cursor, table: str, query: EsfQuery) -> tuple[Counts, Counts]:
    """Each indicator's count by gender and in total, and (for disclosure control)
    the participants of each quarter of the period, in one scan."""
    period = query.period
    start, end = period.starts_on.isoformat(), period.ends_on.isoformat()
    bases = {
        PARTICIPANTS: ("intake_on >= %s AND intake_on <= %s", [start, end]),
        LEAVERS: ("exit_on >= %s AND exit_on <= %s", [start, end]),
        LEAVERS_DUE: (
            "exit_on >= %s AND exit_on <= %s AND sustained_due_on <= %s",
            [start, end, query.evaluated_on.isoformat()],
        ),
    }
    aggregates: list[str] = []
    params: list[Any] = []
    for indicator in INDICATORS:
        base, base_params = bases[indicator.base]
        aggregates.append(
            f"SUM(CASE WHEN {base} AND {indicator.condition} THEN 1 ELSE 0 END)"
        )
        params += base_params
    quarters = period.quarters() if period.whole else []
    for _ in quarters:
        aggregates.append("SUM(CASE WHEN intake_cohort = %s THEN 1 ELSE 0 END)")
    params += quarters
    where = "programme = %s AND intake_on IS NOT NULL"
    params.append(query.programme)
    if query.organisation is not None:
        where += " AND organisation = %s"
        params.append(query.organisation)
    cursor.execute(
        f"SELECT gender, {', '.join(aggregates)} FROM {table} WHERE {where} "
        "GROUP BY gender",
        params,
    )
    counts: Counts = {code: dict.fromkeys(COLUMNS, 0) for code in INDICATOR_CODES}
    by_quarter: Counts = {q: dict.fromkeys(COLUMNS, 0) for q in quarters}
    for record in cursor.fetchall():
        gender = record[0] if record[0] in GENDERS else Gender.UNKNOWN.value
        values = [int(value or 0) for value in record[1:]]
        width = len(INDICATORS)
        for code, value in zip(INDICATOR_CODES, values[:width], strict=True):
            counts[code][gender] += value
            counts[code][TOTAL] += value
        for quarter, value in zip(quarters, values[width:], strict=True):
            by_quarter[quarter][gender] += value
            by_quarter[quarter][TOTAL] += value
    return counts, by_quarter


# Disclosure control -----------------------------------------------------------------

# Whoever asks for a report under disclosure control, the outcome tables beside it
# are read as an evaluator reads them: from the same month-end release.
EVALUATOR = Caller(UUID(int=0), "the ESF+ report", Role.EVALUATOR, None)

# (quarter, column) -> how the outcome table an evaluator can read beside the report
# shows that quarter's intakes of the programme: None when shown.
OutcomeMarks = dict[tuple[str, str], str | None]


def _outcome_marks(views: Views, query: EsfQuery) -> OutcomeMarks:
    """How the evaluator's outcome tables show the programme's intakes of each
    quarter of the period, by gender (grouped by programme, gender and intake
    cohort) and in total (by programme and intake cohort): the report's
    participants are the same counts, and must tell no more."""
    marks: OutcomeMarks = {}
    for group_by in (("programme", "gender", "cohort"), ("programme", "cohort")):
        table = views.outcome_table(
            group_by, cohort_by="intake", as_of=query.as_of, reader=EVALUATOR
        )
        for row in table.rows:
            if row.group.get("programme") != query.programme:
                continue
            column = str(row.group.get("gender", TOTAL))
            if column not in COLUMNS:
                column = Gender.UNKNOWN.value
            marks[(str(row.group["cohort"]), column)] = row.mark("intakes")
    return marks


def _withhold(lines: list[EsfLine], quarters: Counts, marks: OutcomeMarks) -> None:
    """Primary and secondary suppression of the report's counts, checked together
    with the outcome tables' intakes of the period's quarters."""
    grid = Grid()
    cells: dict[tuple[str, str], int] = {}
    by_code = {line.indicator.code: line for line in lines}
    for line in lines:
        for column in COLUMNS:
            value = line.counts[column]
            assert value is not None
            cells[(line.indicator.code, column)] = grid.cell(value)
    for total, parts, plain in SUMS:
        rests = {}
        for column in COLUMNS:
            rest = by_code[total].counts[column] or 0
            rest -= sum(by_code[part].counts[column] or 0 for part in parts)
            rests[column] = grid.rest(rest, known=plain)
            members = [cells[(part, column)] for part in parts]
            grid.add_sum(cells[(total, column)], [*members, rests[column]])
        grid.add_sum(rests[TOTAL], [rests[g] for g in GENDERS])
    for code in INDICATOR_CODES:
        grid.add_sum(cells[(code, TOTAL)], [cells[(code, g)] for g in GENDERS])
    # The participants are the outcome tables' intakes of the period's quarters, as
    # those tables show them by gender and in all; their sum over the year is what
    # the tables' year cohorts show (withheld where a quarter is). The report must
    # not pin down a sum they withhold, by its own participants or by any line
    # the participants are the total of (those aged 18 to 29, say).
    of_quarters: dict[str, dict[str, int]] = {}
    for quarter, counts in quarters.items():
        of_quarters[quarter] = {
            column: grid.fixed(counts[column], marks.get((quarter, column)))
            for column in COLUMNS
        }
        row = of_quarters[quarter]
        grid.add_sum(row[TOTAL], [row[g] for g in GENDERS])
    if quarters:
        for column in COLUMNS:
            hidden = any(marks.get((q, column)) is not None for q in quarters)
            value = sum(counts[column] for counts in quarters.values())
            year = grid.fixed(value, WITHHELD if hidden else None)
            grid.add_sum(year, [row[column] for row in of_quarters.values()])
            grid.add_sum(cells[("participants", column)], [year])
    withheld = grid.decide()
    for (code, column), variable in cells.items():
        if variable in withheld:
            line = by_code[code]
            line.withheld[column] = withheld[variable]
            line.counts[column] = None
