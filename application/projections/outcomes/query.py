"""What is asked of the outcome figures (``OutcomeQuery``: the grouping, a cohort,
as of a date or known at a time), checked; and what a caller's role lets them see of
them (``OutcomeScope``), with the refusals of what it does not."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

from application.access import Caller
from application.access import Forbidden
from application.access import Role
from domain.calendar import BRUSSELS
from domain.calendar import today
from domain.errors import InvalidValue

DIMENSIONS = (
    "programme",
    "organisation",
    "referral_source",
    "province",
    "age_band",
    "gender",
    "cohort",
)
COHORT_BASES = ("referral", "intake")
# Disclosure control checks a table against every table of fewer of its dimensions:
# 2 ** n of them.
CONTROLLED_DIMENSIONS = 3


def month_end(day: date) -> date:
    """The last day of the month of ``day``."""
    first_of_next = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first_of_next - timedelta(days=1)


def last_month_end(on: date) -> date:
    """The last day of the last month that has ended by ``on``: an evaluator's
    figures are as of this day unless they ask for an earlier month's."""
    return on.replace(day=1) - timedelta(days=1)


class KnownAtForAuditors(Forbidden):
    code = "known_at_for_auditors"

    def __init__(self) -> None:
        super().__init__(
            "known_at is for auditors: an evaluator's figures are as of the last "
            "day of a month (as_of), never as the store stood at a moment"
        )


class NotAMonthEnd(InvalidValue):
    code = "not_a_month_end"
    template = (
        "as_of {as_of} is not the last day of a month: an evaluator's figures are "
        "as of a month's last day, such as {month_end}"
    )

    as_of: date
    month_end: date


class MonthNotEnded(InvalidValue):
    code = "month_not_ended"
    template = (
        "the month of as_of {as_of} has not ended: an evaluator's figures are as of "
        "the last day of a month that has ended, {latest} at the latest"
    )

    as_of: date
    latest: date


class AsOfBeforeProgrammes(InvalidValue):
    code = "as_of_before_programmes"
    template = (
        "as_of {as_of} is before {starts_on}, when the first programme started: "
        "there are no figures before it"
    )

    as_of: date
    starts_on: date


class OtherOrganisationsFigures(Forbidden):
    code = "other_organisation"

    def __init__(self, own: str, other: str) -> None:
        super().__init__(
            f"staff of {own} see the figures of {own}'s trajectories only, not of "
            f"{other}"
        )


@dataclass(frozen=True)
class OutcomeScope:
    """What a caller's role lets them see of the outcome figures (DOMAIN.md, "who
    sees which figures")."""

    organisation: str | None = None  # only this organisation's trajectories
    suppress: bool = False  # disclosure control: small counts withheld
    month_ends: bool = False  # as of a month's last day only, never known_at

    @classmethod
    def of(cls, caller: Caller) -> OutcomeScope:
        """Auditors and admins: every figure of every organisation. Staff: their
        own organisation's trajectories, every figure. Evaluators: every
        organisation's, under disclosure control, as of the end of a month."""
        if caller.role is Role.EVALUATOR:
            return cls(suppress=True, month_ends=True)
        if caller.role is Role.STAFF:
            if caller.organisation is None:
                raise Forbidden("a staff token without an organisation sees no figures")
            return cls(organisation=caller.organisation)
        return cls()

    def limit(self, organisation: str | None) -> str | None:
        """The organisation the figures are limited to, if the caller asks for one:
        staff only ever their own."""
        if self.organisation is None:
            return organisation
        if organisation is not None and organisation != self.organisation:
            raise OtherOrganisationsFigures(self.organisation, organisation)
        return self.organisation


@dataclass(frozen=True)
class OutcomeQuery:
    group_by: tuple[str, ...] = ()
    cohort: str | None = None
    cohort_by: str = "referral"
    as_of: date | None = None
    known_at: datetime | None = None
    suppress: bool = True
    organisation: str | None = None  # only this organisation's trajectories
    month_ends: bool = False  # an evaluator's: as of a month's last day only

    @classmethod
    def parse(
        cls,
        *,
        group_by: Sequence[str],
        cohort: str | None,
        cohort_by: str,
        as_of: date | None,
        known_at: datetime | None,
        suppress: bool,
        organisation: str | None = None,
        month_ends: bool = False,
    ) -> OutcomeQuery:
        unknown = [d for d in group_by if d not in DIMENSIONS]
        if unknown:
            raise InvalidValue(
                f"cannot group by {', '.join(unknown)}: "
                f"the dimensions are {', '.join(DIMENSIONS)}"
            )
        if len(set(group_by)) != len(group_by):
            raise InvalidValue("group_by names a dimension twice")
        if cohort_by not in COHORT_BASES:
            raise InvalidValue(
                f"cohort_by {cohort_by!r} is neither referral nor intake"
            )
        if cohort is not None and not _is_quarter(cohort):
            raise InvalidValue(f"cohort {cohort!r} is not a quarter such as 2024Q1")
        if as_of is not None and as_of > today():
            raise InvalidValue(f"as_of {as_of} is in the future")
        if month_ends:
            as_of = _month_end_only(as_of, known_at)
        if known_at is not None and known_at.tzinfo is None:
            raise InvalidValue("known_at needs a time zone, e.g. 2025-01-31T12:00Z")
        controlled = {
            *group_by,
            *(["cohort"] if cohort else []),
            *(["organisation"] if organisation else []),
        }
        if suppress and len(controlled) > CONTROLLED_DIMENSIONS:
            raise InvalidValue(
                f"figures under disclosure control have at most "
                f"{CONTROLLED_DIMENSIONS} dimensions, a cohort or organisation kept "
                f"counted as one: {', '.join(sorted(controlled))} are "
                f"{len(controlled)}"
            )
        query = cls(
            tuple(group_by),
            cohort,
            cohort_by,
            as_of,
            known_at,
            suppress,
            organisation,
            month_ends,
        )
        try:
            query.evaluated_on  # noqa: B018 (a time beyond the calendar fails here)
        except OverflowError:
            raise InvalidValue(f"known_at {known_at} is out of range") from None
        if known_at is not None and known_at > datetime.now(UTC):
            raise InvalidValue(f"known_at {known_at} is in the future")
        return query

    @property
    def evaluated_on(self) -> date:
        """The date rates are evaluated on (which exits are 6 months past)."""
        if self.as_of is not None:
            return self.as_of
        if self.known_at is not None:
            return self.known_at.astimezone(BRUSSELS).date()
        return today()

    @property
    def whole_programmes(self) -> bool:
        """Costs are given only where each group is a whole programme."""
        return (
            self.group_by == ("programme",)
            and self.cohort is None
            and self.organisation is None
        )

    def column(self, dimension: str) -> str:
        if dimension == "cohort":
            return f"{self.cohort_by}_cohort"
        return dimension

    @property
    def filters(self) -> dict[str, str]:
        """The dimensions the query keeps one value of, with that value."""
        kept = {"cohort": self.cohort, "organisation": self.organisation}
        return {name: value for name, value in kept.items() if value is not None}

    def grid(self) -> OutcomeQuery:
        """The query whose table is worked out: under disclosure control, grouped
        by each filter's dimension too rather than filtered (the answer is its
        slice), so that a filter tells no more than a breakdown."""
        if not self.suppress or not self.filters:
            return self
        added = tuple(d for d in self.filters if d not in self.group_by)
        return replace(
            self, group_by=self.group_by + added, cohort=None, organisation=None
        )


def _month_end_only(as_of: date | None, known_at: datetime | None) -> date:
    """An evaluator's as-of date: the last day of a month that has ended; the last
    one by default."""
    if known_at is not None:
        raise KnownAtForAuditors()
    latest = last_month_end(today())
    if as_of is None:
        return latest
    if as_of != month_end(as_of):
        raise NotAMonthEnd(as_of, min(month_end(as_of), latest))
    if as_of > latest:
        raise MonthNotEnded(as_of, latest)
    return as_of


def _is_quarter(text: str) -> bool:
    return (
        len(text) == 6 and text[:4].isdigit() and text[4] == "Q" and text[5] in "1234"
    )
