"""Who sees which outcome figures, and the differencing attacks an evaluator could
try, on SQLite and PostgreSQL (DOMAIN.md, "who sees which figures")."""

from collections.abc import Iterator
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any
from uuid import UUID
from uuid import uuid4

import pytest

from application.access import Caller
from application.access import Role
from application.projections.outcomes import query
from application.projections.outcomes.queries import AsOfBeforeProgrammes
from application.projections.outcomes.queries import KnownAtForAuditors
from application.projections.outcomes.queries import MonthNotEnded
from application.projections.outcomes.queries import NotAMonthEnd
from application.projections.outcomes.queries import OtherOrganisationsFigures
from application.projections.outcomes.queries import OutcomeRow
from application.service import Trajectories
from application.views import Views
from domain.vocabulary import DropoutReason
from tests.application.disclosure_attacker import disclosed
from tests.application.disclosure_attacker import table_of
from tests.application.test_outcomes import ALPHA
from tests.application.test_outcomes import BETA
from tests.application.test_outcomes import ORG_A
from tests.application.test_outcomes import ORG_B
from tests.application.test_outcomes import drop_out
from tests.application.test_outcomes import refer
from tests.application.test_outcomes import register_programmes
from tests.application.test_outcomes import take_in

TODAY = date(2025, 3, 10)
LAST_MONTH_END = date(2025, 2, 28)

AUDITOR = Caller(uuid4(), "Auditor", Role.AUDITOR, None)
ADMIN = Caller(uuid4(), "Admin", Role.ADMIN, None)
EVALUATOR = Caller(uuid4(), "Evaluator", Role.EVALUATOR, None)
STAFF_A = Caller(uuid4(), "Hilde", Role.STAFF, ORG_A)
STAFF_B = Caller(uuid4(), "Bram", Role.STAFF, ORG_B)


@pytest.fixture
def views(service: Trajectories, monkeypatch: pytest.MonkeyPatch) -> Iterator[Views]:
    monkeypatch.setattr(query, "today", lambda: TODAY)
    register_programmes(service)
    views = Views(service)
    yield views
    views.stop()


def table(views: Views, reader: Caller, *group_by: str, **options: Any) -> list[Any]:
    views.catch_up()
    return views.outcome_table(list(group_by), reader=reader, **options).rows


def figures(views: Views, reader: Caller, **options: Any) -> dict[str, Any]:
    (row,) = table(views, reader, **options)
    shown: dict[str, Any] = row.figures
    return shown


# A large group -----------------------------------------------------------------------


@pytest.fixture
def large_group(service: Trajectories, views: Views) -> dict[str, UUID]:
    """30 trajectories of ORG_A in ALPHA, referred in 2024Q1, 18 dropped out (12
    lost contact, 6 moved); and two of ORG_B referred in 2024Q2: Person P, who is
    the one to drop out for mental health, and one still active."""
    for n in range(30):
        trajectory = refer(service, date(2024, 1, 2) + timedelta(days=n))
        take_in(service, trajectory, date(2024, 2, 1))
        if n < 12:
            drop_out(service, trajectory, date(2024, 6, 1), DropoutReason.LOST_CONTACT)
        elif n < 18:
            drop_out(service, trajectory, date(2024, 7, 1), DropoutReason.MOVED)
    person_p = refer(service, date(2024, 4, 2), organisation=ORG_B)
    take_in(service, person_p, date(2024, 4, 20))
    other = refer(service, date(2024, 4, 3), organisation=ORG_B)
    take_in(service, other, date(2024, 4, 21))
    return {"person_p": person_p, "other": other}


def person_p_drops_out(service: Trajectories, person_p: UUID, on: date) -> int:
    return drop_out(service, person_p, on, DropoutReason.MENTAL_HEALTH)


# Who sees what -----------------------------------------------------------------------


def test_auditors_and_admins_see_every_figure_live(
    service: Trajectories, views: Views, large_group: dict[str, UUID]
) -> None:
    person_p_drops_out(service, large_group["person_p"], date(2025, 3, 3))

    for reader in (AUDITOR, ADMIN):
        by_organisation = table(views, reader, "organisation")

        assert [row.group["organisation"] for row in by_organisation] == [ORG_B, ORG_A]
        org_b = by_organisation[0]
        assert (org_b.suppressed, org_b.withheld) == (False, {})
        assert org_b.figures["referrals"] == 2  # a small group, shown to them
        assert org_b.figures["dropout_rate_by_reason"]["mental_health"] == 1.0
        assert views.outcome_table([], reader=reader).query.as_of is None  # live


def test_staff_see_every_figure_of_their_own_organisations_trajectories_only(
    service: Trajectories, views: Views, large_group: dict[str, UUID]
) -> None:
    person_p_drops_out(service, large_group["person_p"], date(2025, 3, 3))

    theirs = table(views, STAFF_B, "programme")
    by_organisation = table(views, STAFF_B, "organisation")

    [alpha] = theirs
    assert alpha.group == {"programme": ALPHA}
    assert (alpha.suppressed, alpha.withheld) == (False, {})
    assert (alpha.figures["referrals"], alpha.figures["dropouts"]) == (2, 1)
    # Part of a programme: its budget is the programme's, so no cost per person.
    assert alpha.figures["cost_per_participant"] is None
    assert [row.group["organisation"] for row in by_organisation] == [ORG_B]
    with pytest.raises(OtherOrganisationsFigures, match="not of Werkburo Gent"):
        views.outcome_table([], reader=STAFF_B, organisation=ORG_A)
    assert figures(views, STAFF_A)["referrals"] == 30


def test_an_evaluator_sees_every_organisation_as_of_the_last_month_end(
    service: Trajectories, views: Views, large_group: dict[str, UUID]
) -> None:
    person_p_drops_out(service, large_group["person_p"], date(2025, 3, 3))  # March

    result = views.outcome_table(["organisation"], reader=EVALUATOR)

    assert result.query.as_of == LAST_MONTH_END
    assert result.query.suppress
    assert result.release is not None and result.release.as_of == LAST_MONTH_END
    org_b, org_a = result.rows
    assert org_b.suppressed  # two trajectories
    assert org_a.withheld["referrals"] == "x"  # else 32 in all - 30 = ORG_B's 2
    assert org_a.figures["dropouts"] == 18  # Person P left in March: not yet
    assert org_a.withheld["dropout_rate_mental_health"] == "x"  # nobody: "<5"


def test_an_evaluator_may_not_ask_what_the_store_held_at_a_moment(
    views: Views,
) -> None:
    moment = datetime(2025, 1, 1, 12, tzinfo=UTC)

    with pytest.raises(KnownAtForAuditors, match="known_at is for auditors"):
        views.outcome_table([], reader=EVALUATOR, known_at=moment)

    assert views.outcome_table([], reader=AUDITOR, known_at=moment).rows == []


def test_an_evaluators_as_of_is_the_last_day_of_a_month_that_has_ended(
    views: Views, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(NotAMonthEnd, match="such as 2025-01-31"):
        views.outcome_table([], reader=EVALUATOR, as_of=date(2025, 1, 14))
    monkeypatch.setattr(query, "today", lambda: date(2025, 3, 31))
    with pytest.raises(MonthNotEnded, match="2025-02-28 at the latest"):
        views.outcome_table([], reader=EVALUATOR, as_of=date(2025, 3, 31))

    shown = views.outcome_table([], reader=EVALUATOR, as_of=date(2024, 2, 29))

    assert shown.query.as_of == date(2024, 2, 29)
    assert views.outcome_table([], reader=EVALUATOR).query.as_of == LAST_MONTH_END


@pytest.mark.parametrize(
    "as_of", [date(1, 1, 31), date(1970, 1, 31), date(2019, 12, 31)]
)
def test_an_evaluators_as_of_before_the_first_programme_is_refused(
    views: Views, as_of: date
) -> None:
    with pytest.raises(AsOfBeforeProgrammes, match="before 2020-01-01"):
        views.outcome_table([], reader=EVALUATOR, as_of=as_of)

    assert as_of not in views.releases._views  # no release built and kept for it
    first = views.outcome_table([], reader=EVALUATOR, as_of=date(2020, 1, 31))
    assert first.query.as_of == date(2020, 1, 31)


# The attacks -------------------------------------------------------------------------


def test_the_issues_attack_two_queries_a_millisecond_apart_finds_nothing(
    service: Trajectories, views: Views, large_group: dict[str, UUID]
) -> None:
    # Given the evaluator read the figures of February
    before = table(views, EVALUATOR, "programme")
    # When Person P's dropout is recorded, for a day in February
    person_p_drops_out(service, large_group["person_p"], date(2025, 2, 20))
    dropped_at = service.history(large_group["person_p"])[-1].recorded_at

    # Then the two queries of the issue, a millisecond apart, tell an auditor that
    # one person dropped out, for mental health ...
    def known_at(moment: datetime) -> dict[str, Any]:
        return figures(views, AUDITOR, known_at=moment)

    earlier, later = (
        known_at(dropped_at - timedelta(milliseconds=1)),
        known_at(dropped_at),
    )
    assert later["dropouts"] - earlier["dropouts"] == 1
    assert later["dropout_rate_by_reason"]["mental_health"] * later["exits"] == 1
    # ... but an evaluator may not ask them
    for moment in (dropped_at - timedelta(milliseconds=1), dropped_at):
        with pytest.raises(KnownAtForAuditors):
            views.outcome_table(["programme"], reader=EVALUATOR, known_at=moment)
    # and February's figures, asked again, are the same as before it was recorded
    assert table(views, EVALUATOR, "programme") == before
    auditors_february = figures(views, AUDITOR, as_of=LAST_MONTH_END)
    assert auditors_february["dropouts"] == 19  # the auditor sees it in February


def test_a_total_minus_the_shown_cells_finds_no_one(
    service: Trajectories, views: Views, large_group: dict[str, UUID]
) -> None:
    person_p_drops_out(service, large_group["person_p"], date(2025, 2, 20))

    (overall,) = table(views, EVALUATOR)

    # 19 dropouts: 12 lost contact and 6 moved shown, the one left over withheld,
    # and every reason nobody had withheld with it.
    assert overall.figures["dropouts"] == 19
    assert overall.withheld["dropout_rate_mental_health"] == "x"
    assert overall.withheld["dropout_rate_withdrew"] == "x"
    assert disclosed([table_of((), [overall])]) == {}


def test_a_breakdown_against_the_overall_row_finds_no_one(
    service: Trajectories, views: Views, large_group: dict[str, UUID]
) -> None:
    person_p_drops_out(service, large_group["person_p"], date(2025, 2, 20))

    overall = table_of((), table(views, EVALUATOR))
    by_organisation = table_of(
        ("organisation",), table(views, EVALUATOR, "organisation")
    )

    # ORG_B (two trajectories) is withheld; ORG_A shown as it is would give ORG_B's
    # counts away as the overall minus ORG_A's: ORG_A's are withheld where so.
    org_a = by_organisation.shown[(ORG_A,)]
    assert by_organisation.shown[(ORG_B,)]["dropouts"] == "<5"
    assert org_a["dropouts"] == "x"
    assert disclosed([overall, by_organisation]) == {}


def test_a_cohort_filter_against_no_filter_finds_no_one(
    service: Trajectories, views: Views, large_group: dict[str, UUID]
) -> None:
    person_p_drops_out(service, large_group["person_p"], date(2025, 2, 20))

    unfiltered = table(views, EVALUATOR, "programme")
    first_quarter = table(views, EVALUATOR, "programme", cohort="2024Q1")
    by_cohort = table(views, EVALUATOR, "programme", "cohort")

    # The filtered table is the 2024Q1 slice of the table by programme and cohort:
    # the two of 2024Q2 (Person P among them) are what the filter leaves out.
    assert [row.group for row in first_quarter] == [{"programme": ALPHA}]
    assert first_quarter == [
        OutcomeRow({"programme": ALPHA}, row.suppressed, row.figures, row.withheld)
        for row in by_cohort
        if row.group == {"programme": ALPHA, "cohort": "2024Q1"}
    ]
    assert first_quarter[0].figures["dropouts"] is None  # 19 - 18 would be P
    assert (
        disclosed(
            [
                table_of(("programme",), unfiltered),
                table_of(("programme", "cohort"), by_cohort),
            ]
        )
        == {}
    )


def test_two_adjacent_days_cannot_be_asked(
    service: Trajectories, views: Views, large_group: dict[str, UUID]
) -> None:
    person_p_drops_out(service, large_group["person_p"], date(2025, 1, 31))

    with pytest.raises(NotAMonthEnd):
        views.outcome_table([], reader=EVALUATOR, as_of=date(2025, 1, 30))
    january = figures(views, EVALUATOR, as_of=date(2025, 1, 31))

    assert january["dropouts"] == 19
    assert (
        january["dropout_rate_mental_health" if False else "dropout_rate_by_reason"][
            "mental_health"
        ]
        is None
    )


def test_the_programmes_breakdown_of_the_demo_history_gives_no_one_away(
    service: Trajectories, views: Views, large_group: dict[str, UUID]
) -> None:
    person_p_drops_out(service, large_group["person_p"], date(2025, 2, 20))
    refer(service, date(2024, 5, 2), programme=BETA, organisation=ORG_B)

    tables = [
        table_of(dims, table(views, EVALUATOR, *dims))
        for dims in [
            (),
            ("programme",),
            ("organisation",),
            ("programme", "organisation"),
        ]
    ]

    for one in tables:
        assert disclosed([one]) == {}, one.dims
    assert disclosed(tables[:2]) == {}
    assert disclosed([tables[0], tables[2]]) == {}
    assert disclosed([tables[1], tables[3]]) == {}
    assert disclosed([tables[2], tables[3]]) == {}
