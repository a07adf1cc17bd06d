"""The downloads over the whole history: the outcome workbook and the ESF+ report,
as the API makes them (``interfaces/exports/downloads.py``), in-process, beside the
plainest SQL over the same facts.

- the evaluators' month-end release built once (a replay of the whole history into
  tables of its own), the first time anyone asks for that month;
- the outcome workbook (``GET /outcomes/spreadsheet.xlsx``: all trajectories, by
  cohort, by programme, the definitions) for an auditor (live, every figure) and for
  an evaluator (the release, under disclosure control);
- the ESF+ report of the programme with the most intakes, for its busiest year, as
  JSON's object and as a workbook, for an auditor and an evaluator;
- an evaluator's widest table (referral source x province x cohort): the first time,
  when its disclosure control is worked out, and again, when it is kept.

    .venv/bin/python -m bench reports      # on a fresh history (make bench runs it)
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from uuid import UUID

from application.access import Caller
from application.access import Role
from application.projections.outcomes.queries import last_month_end
from application.service import Trajectories
from application.settings import Settings
from application.views import Views
from bench.figures import Latencies
from bench.rebuild import Database
from domain.calendar import today
from interfaces.exports.downloads import esf_report_for
from interfaces.exports.downloads import esf_xlsx
from interfaces.exports.downloads import outcomes_xlsx
from interfaces.web.i18n import TEXTS

AUDITOR = Caller(UUID(int=1), "bench auditor", Role.AUDITOR, None)
EVALUATOR = Caller(UUID(int=2), "bench evaluator", Role.EVALUATOR, None)
# The most groups a table under disclosure control can have: three dimensions.
WIDEST = ["referral_source", "province", "cohort"]
WORKBOOK_REPEAT = 20  # a workbook is slower than a query: fewer rounds


@dataclass(frozen=True)
class Reports:
    trajectories: int
    release_seconds: float
    programme: str
    year: str
    participants: int
    workbook_bytes: int
    auditor_workbook: Latencies
    evaluator_workbook: Latencies
    workbook_raw: Latencies
    auditor_esf: Latencies
    evaluator_esf: Latencies
    esf_workbook: Latencies
    esf_raw: Latencies
    widest_groups: int
    widest_first: float
    widest_again: Latencies


def measure(database: Database, repeat: int) -> Reports:
    app = Trajectories(Settings(database_url=database.schema_url))
    views = Views(app)
    try:
        views.catch_up()
        with database.connect(autocommit=True) as connection:
            (trajectories,) = connection.execute(
                "SELECT count(*) FROM outcome_facts"
            ).fetchone() or (0,)
            programme, year, participants = connection.execute(
                "SELECT programme, substr(intake_cohort, 1, 4), count(*) "
                "FROM outcome_facts WHERE intake_on IS NOT NULL "
                "AND intake_on <= %s GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1",
                [last_month_end(today()).isoformat()],
            ).fetchone() or (None, None, 0)
            if programme is None or year is None:
                raise RuntimeError("the outcome view has no intake: no history?")
            programme, year = str(programme), str(year)
            count_per_group = (
                "SELECT programme, referral_cohort, count(*) FROM outcome_facts "
                "GROUP BY 1, 2"
            )
            workbook_raw = Latencies.of(
                lambda: connection.execute(count_per_group).fetchall(), repeat
            )
            per_gender = (
                "SELECT gender, count(*) FROM outcome_facts WHERE programme = %s "
                "AND intake_on >= %s AND intake_on <= %s GROUP BY gender"
            )
            esf_params = [programme, f"{year}-01-01", f"{year}-12-31"]
            esf_raw = Latencies.of(
                lambda: connection.execute(per_gender, esf_params).fetchall(), repeat
            )
        started = time.perf_counter()
        views.releases.of(last_month_end(today()))
        release_seconds = time.perf_counter() - started
        texts = TEXTS["nl"]
        rounds = min(repeat, WORKBOOK_REPEAT)
        sizes: list[int] = []

        def workbook(reader: Caller) -> None:
            sizes.append(len(outcomes_xlsx(views, reader, texts).content))

        def esf(reader: Caller) -> None:
            esf_report_for(views, reader, programme=programme, period=year)

        def esf_file() -> None:
            report = esf_report_for(views, EVALUATOR, programme=programme, period=year)
            esf_xlsx(report, texts)

        # The widest table an evaluator may ask for: its disclosure control is
        # worked out the first time, then kept with the release.
        started = time.perf_counter()
        widest = views.outcome_table(WIDEST, reader=EVALUATOR)
        widest_first = time.perf_counter() - started
        widest_again = Latencies.of(
            lambda: views.outcome_table(WIDEST, reader=EVALUATOR), rounds, 1
        )
        auditor_workbook = Latencies.of(lambda: workbook(AUDITOR), rounds, 1)
        evaluator_workbook = Latencies.of(lambda: workbook(EVALUATOR), rounds, 1)
        return Reports(
            trajectories=int(trajectories),
            release_seconds=release_seconds,
            programme=programme,
            year=year,
            participants=int(participants),
            workbook_bytes=max(sizes),
            auditor_workbook=auditor_workbook,
            evaluator_workbook=evaluator_workbook,
            workbook_raw=workbook_raw,
            auditor_esf=Latencies.of(lambda: esf(AUDITOR), repeat),
            evaluator_esf=Latencies.of(lambda: esf(EVALUATOR), repeat),
            esf_workbook=Latencies.of(esf_file, rounds, 1),
            esf_raw=esf_raw,
            widest_groups=len(widest.rows),
            widest_first=widest_first,
            widest_again=widest_again,
        )
    finally:
        views.stop()
        app.close()
