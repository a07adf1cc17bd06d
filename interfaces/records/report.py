"""What an import did, or would do, in the reader's language: counts, and every
refused trajectory with its rows, columns and problems in words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from application.imports import Report
from application.imports import Result
from interfaces.records.columns import column_of
from interfaces.records.files import FileRefused
from interfaces.records.rows import FilePlan
from interfaces.records.rows import Plan
from interfaces.web.i18n import N_
from interfaces.web.i18n import Language
from interfaces.web.i18n import Texts
from interfaces.web.refusals import pointed


@dataclass(frozen=True)
class Line:
    """One problem of a refused trajectory."""

    trajectory: str
    row: int
    column: str | None
    problem: str
    code: str | None = None


@dataclass(frozen=True)
class Summary:
    dry_run: bool
    stored: int
    extended: int
    unchanged: int
    refused: int
    events: int
    participants_registered: int
    coaches_registered: list[str]
    problems: list[Line]

    def as_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "trajectories": {
                "stored": self.stored,
                "extended": self.extended,
                "unchanged": self.unchanged,
                "refused": self.refused,
            },
            "events": self.events,
            "participants_registered": self.participants_registered,
            "coaches_registered": self.coaches_registered,
            "problems": [
                {
                    "trajectory": line.trajectory,
                    "row": line.row,
                    "column": line.column,
                    "problem": line.problem,
                    "code": line.code,
                }
                for line in self.problems
            ],
        }


def summary(plan: Plan | FilePlan, report: Report, language: Language) -> Summary:
    texts = Texts(language)
    lines: list[Line] = []
    for refused in plan.refused:
        lines += [
            Line(
                refused.reference,
                p.row,
                p.column,
                texts.gettext(p.text),
            )
            for p in refused.problems
        ]
    for outcome in report.refused:
        error = outcome.refusal
        assert error is not None and outcome.row is not None
        words = texts.refusal(error)
        fields = list(pointed(error, words))
        lines.append(
            Line(
                outcome.reference,
                outcome.row,
                column_of(fields[0]) if fields else None,
                words,
                error.code,
            )
        )
    lines.sort(key=lambda line: (line.row, line.column or ""))
    refused_references = {line.trajectory for line in lines}
    return Summary(
        dry_run=report.dry_run,
        stored=report.count(Result.STORED),
        extended=report.count(Result.EXTENDED),
        unchanged=report.count(Result.UNCHANGED),
        refused=len(refused_references),
        events=report.events,
        participants_registered=sum(o.registered for o in report.outcomes),
        coaches_registered=sorted(report.coaches),
        problems=lines,
    )


def file_problem(refused: FileRefused, language: Language) -> str:
    return Texts(language).gettext(refused.reason).format(**refused.values)


# The words of a summary, for the command line and the page.
HEADLINES = {
    True: N_("Dry run: nothing was stored. A real run would store this."),
    False: N_("Imported."),
}


def counts(summary: Summary, language: Language) -> list[str]:
    """The summary's figures, a line each, in the language."""
    t = Texts(language)
    would = summary.dry_run
    lines = [
        t.gettext(HEADLINES[would]),
        t.gettext("New trajectories: {count}").format(count=summary.stored),
        t.gettext("Trajectories with new rows: {count}").format(count=summary.extended),
        t.gettext("Trajectories stored before, unchanged: {count}").format(
            count=summary.unchanged
        ),
        t.gettext("Refused trajectories: {count}").format(count=summary.refused),
        t.gettext("Events: {count}").format(count=summary.events),
        t.gettext("Participants registered: {count}").format(
            count=summary.participants_registered
        ),
    ]
    if summary.coaches_registered:
        lines.append(
            t.gettext("Coaches registered: {names}").format(
                names=", ".join(summary.coaches_registered)
            )
        )
    return lines
