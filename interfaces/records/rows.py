"""From a file's rows to the trajectories to import, each row checked as the API and
the pages check a request: by the forms derived from the commands, with every
problem of every row named at once.

Rows of a trajectory share its ``trajectory`` reference, the first of them the
referral (``ReferralReceived``), with the participant and the programme; the rest
follow in the order of the file. A spreadsheet's ways of writing are read as the
form reads a typed value: a date as ``2024-02-01``, ``01/02/2024`` (day first, as in
Belgium), ``1-2-2024`` or an Excel serial number; yes and no as ``true``/``false``,
``ja``/``nee``, ``yes``/``no`` or ``1``/``0``; a code as itself or as its label in
Dutch or English; several codes separated by ``,`` or ``;``. A trajectory with a
problem in any row is refused whole: nothing of it is imported.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import unicodedata
import uuid
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any
from uuid import UUID

from application.import_parts import Alike
from application.imports import Incoming
from application.imports import Step
from application.imports import coach_id
from domain.commands import Refer
from domain.commands import RegisterParticipant
from domain.commands import StartPlacement
from interfaces.http.schemas.commands import EVENT_BODIES
from interfaces.http.schemas.commands import ParticipantIn
from interfaces.http.schemas.commands import ReferralIn
from interfaces.records.columns import EVENT
from interfaces.records.columns import PARTICIPANT
from interfaces.records.columns import REFERRAL
from interfaces.records.columns import TRAJECTORY
from interfaces.records.columns import column_of
from interfaces.records.files import FileRefused
from interfaces.records.files import Table
from interfaces.web import labels
from interfaces.web.forms import EventForm
from interfaces.web.forms import FormField
from interfaces.web.forms import FormProblems
from interfaces.web.forms import adapter_of
from interfaces.web.forms import event_forms
from interfaces.web.forms import form_of
from interfaces.web.forms import read
from interfaces.web.i18n import N_
from interfaces.web.i18n import catalogue

# The placements of a file: the file's reference for one -> its id, made from the
# organisation, the trajectory and that reference (an id as a reference is kept).
PLACEMENTS = uuid.UUID("6f1d3c0e-5a8b-4c1e-9a57-2f3e1b7c9d40")
EXCEL_EPOCH = dt.date(1899, 12, 30)
CHANGED = (
    "The file changed while it was read: what was imported before the change is "
    "whole; import the file again."
)
LAST_EXCEL_SERIAL = 2_958_465  # 9999-12-31
DAY_FIRST = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})")
YES = {"true", "ja", "yes", "j", "y", "1", "waar", "x"}
NO = {"false", "nee", "no", "n", "0", "onwaar"}
PARTICIPANT_FORM = form_of(RegisterParticipant, "RegisterParticipant")
REFERRAL_FORM = form_of(Refer, REFERRAL)


@dataclass(frozen=True)
class Problem:
    """What is wrong in a row: a msgid (English, translated where shown), about a
    column (None: the row as a whole)."""

    row: int
    column: str | None
    text: str


@dataclass
class Refused:
    """A trajectory whose rows the checks refused: every problem of every row."""

    reference: str
    problems: list[Problem]


@dataclass
class Plan:
    incoming: list[Incoming]
    refused: list[Refused]


def plan(table: Table, organisation: str | None = None) -> Plan:
    """The trajectories of the table's rows; ``organisation`` fills the referral's
    organisation where its row leaves it empty."""
    grouped: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    refused: list[Refused] = []
    for number, row in table.rows:
        reference = str(row.get(TRAJECTORY, "")).strip()
        if not reference:
            refused.append(
                Refused("", [Problem(number, TRAJECTORY, N_("Fill this in."))])
            )
            continue
        grouped.setdefault(reference, []).append((number, row))
    incoming: list[Incoming] = []
    for reference, rows in grouped.items():
        problems: list[Problem] = []
        one = _trajectory(reference, rows, organisation, problems)
        if problems or one is None:
            refused.append(Refused(reference, problems))
        else:
            incoming.append(one)
    return Plan(incoming, refused)


class FilePlan:
    """The trajectories of a file too large to hold, read twice. The first reading
    (on creation) finds each trajectory's participant, as the referral row names
    them, joined with all whom the import may take for the same person (by number,
    or by names and birth date: ``Incoming.may_be``), and the row at which all of
    their trajectories have been read. The second (``groups``) hands out each such
    person's trajectories as soon as that row is read. A file in the order the
    export writes it (a trajectory's rows together) is then read in the memory of a
    few trajectories; rows of a participant spread over the file are held until
    their last. ``refused`` fills as the second reading goes."""

    def __init__(
        self,
        rows: Callable[[], Iterable[tuple[int, dict[str, Any]]]],
        organisation: str | None = None,
    ) -> None:
        self.rows = rows
        self.organisation = organisation
        self.refused: list[Refused] = []
        alike = Alike()
        first: dict[str, tuple[str, ...]] = {}  # reference -> a key of whom it names
        last: dict[str, int] = {}  # reference -> its last row
        for number, row in rows():
            reference = str(row.get(TRAJECTORY, "")).strip()
            if not reference:
                continue
            if reference not in first:
                first[reference] = alike.join(self._may_be(reference, number, row))
            last[reference] = number
        # Each reference's person (all whom the import may take for one), and the row
        # at which all of that person's trajectories have been read.
        self._person = {reference: alike.find(key) for reference, key in first.items()}
        self._last: dict[tuple[str, ...], int] = {}
        for reference, who in self._person.items():
            self._last[who] = max(self._last.get(who, 0), last[reference])

    @property
    def trajectories(self) -> int:
        """The references the file names (each a trajectory, stored or refused)."""
        return len(self._person)

    def _may_be(
        self, reference: str, number: int, row: dict[str, Any]
    ) -> list[tuple[str, ...]]:
        """Whom the trajectory's first row names, as the import compares people; the
        reference alone for a trajectory the checks will refuse."""
        one = _trajectory(reference, [(number, row)], self.organisation, [])
        return [("", reference)] if one is None else one.may_be

    def groups(self) -> Iterator[list[Incoming]]:
        """Each participant's checked trajectories, as soon as their rows are read."""
        held: dict[tuple[str, ...], dict[str, list[tuple[int, dict[str, Any]]]]] = {}
        for number, row in self.rows():
            reference = str(row.get(TRAJECTORY, "")).strip()
            if not reference:
                problem = Problem(number, TRAJECTORY, N_("Fill this in."))
                self.refused.append(Refused("", [problem]))
                continue
            who = self._person.get(reference)
            if who is None:  # a reference the first reading did not see
                raise FileRefused(CHANGED)
            held.setdefault(who, {}).setdefault(reference, []).append((number, row))
            if number == self._last[who]:
                group: list[Incoming] = []
                for its_reference, its_rows in held.pop(who).items():
                    problems: list[Problem] = []
                    one = _trajectory(
                        its_reference, its_rows, self.organisation, problems
                    )
                    if problems or one is None:
                        self.refused.append(Refused(its_reference, problems))
                    else:
                        group.append(one)
                if group:
                    yield group
        if held:  # rows the first reading saw and the second did not
            raise FileRefused(CHANGED)


def _trajectory(
    reference: str,
    rows: list[tuple[int, dict[str, Any]]],
    organisation: str | None,
    problems: list[Problem],
) -> Incoming | None:
    (first, referral_row), *rest = rows
    if _event(referral_row) != REFERRAL:
        problems.append(
            Problem(
                first,
                EVENT,
                N_("A trajectory's first row is its referral (ReferralReceived)."),
            )
        )
        return None
    if organisation and not referral_row.get("organisation"):
        referral_row = {**referral_row, "organisation": organisation}
    person = _read(first, PARTICIPANT_FORM, adapter_of(ParticipantIn), referral_row, {})
    referral = _read(
        first,
        REFERRAL_FORM,
        adapter_of(ReferralIn),
        referral_row,
        {},
        participant_id=str(uuid.UUID(int=0)),  # the import finds or registers them
    )
    for checked in (person, referral):
        if isinstance(checked, list):
            problems += checked
    if isinstance(referral, list):
        organisation_of = str(referral_row.get("organisation", ""))
    else:
        organisation_of = referral.command().organisation
    steps: list[Step] = []
    for number, row in rest:
        step = _step(number, row, reference, organisation_of)
        if isinstance(step, list):
            problems += step
        else:
            steps.append(step)
    if problems or isinstance(person, list) or isinstance(referral, list):
        return None
    participant = str(referral_row.get(PARTICIPANT, "")).strip() or None
    return Incoming(
        reference, first, person.command(), referral.command(), steps, participant
    )


def _event(row: Mapping[str, Any]) -> str | None:
    return event_types().get(_folded(str(row.get(EVENT, ""))))


@functools.cache
def event_types() -> dict[str, str]:
    """What the event column may say -> the event type: the type, or its label in
    English or Dutch."""
    dutch = catalogue("nl")
    known: dict[str, str] = {}
    for event_type in [REFERRAL, *event_forms()]:
        english = labels.EVENT_LABELS.get(event_type, event_type)
        for name in (event_type, english, dutch.get(english, english)):
            known.setdefault(_folded(name), event_type)
    return known


def _step(
    number: int, row: dict[str, Any], reference: str, organisation: str
) -> Step | list[Problem]:
    event_type = _event(row)
    if event_type is None:
        return [Problem(number, EVENT, N_("Choose an event of the list."))]
    if event_type == REFERRAL:
        return [
            Problem(number, EVENT, N_("A trajectory has one referral: its first row."))
        ]
    form = event_forms()[event_type]
    ids: dict[str, str] = {}  # what the file names otherwise, as the form takes it
    coach = str(row["coach"]) if row.get("coach") else None
    if coach is not None:
        ids["coach_id"] = str(coach_id(organisation, coach))
    if row.get("placement") or event_type == StartPlacement.event_type:
        placement = str(row.get("placement") or f"row {number}")
        ids["placement_id"] = str(placement_id(organisation, reference, placement))
    adapter = adapter_of(EVENT_BODIES[event_type])
    body = _read(number, form, adapter, row, ids, type=event_type)
    if isinstance(body, list):
        return body
    command = body.command()
    if isinstance(command, StartPlacement):
        # its id from the file's reference; without one, from the row's number: the
        # same file makes the same ids
        made = UUID(ids["placement_id"])
        command = dataclasses.replace(command, placement_id=made)
    return Step(number, command, coach)


def placement_id(organisation: str, trajectory: str, reference: str) -> UUID:
    try:
        return UUID(reference)
    except ValueError:
        return uuid.uuid5(PLACEMENTS, f"{organisation}\x1f{trajectory}\x1f{reference}")


def _read(
    number: int,
    form: EventForm,
    adapter: Any,
    row: Mapping[str, Any],
    ids: dict[str, str],
    **given: Any,
) -> Any:
    """The body the form reads from the row (with the ``ids`` the row names
    otherwise, and the ``given`` fields the form does not ask), or the row's
    problems."""
    values: dict[str, str] = dict(ids)
    lists: dict[str, list[str]] = {}
    for field in form.fields:
        if field.name in ids:
            continue
        if field.kind == "typed":
            chosen = str(row.get(field.typed_by or "", "")).strip()
            values[field.typed_by or ""] = chosen
            field = next((a for a in field.alternatives if a.when == chosen), field)
            if field.kind == "typed":
                continue
        cell = row.get(column_of(field.name))
        if field.kind == "choices":
            lists[field.name] = _codes(field, cell)
        elif cell is not None:
            values[field.name] = _typed(field, cell)
    try:
        return read(form, adapter, values, lists, **given)
    except FormProblems as refused:
        return [
            Problem(number, column_of(name), text)
            for name, text in refused.problems.items()
        ]


def _typed(field: FormField, cell: Any) -> str:
    """The cell as the form takes the field's value."""
    text = ", ".join(map(str, cell)) if isinstance(cell, list) else str(cell).strip()
    if field.kind == "date":
        return _date(text)
    if field.kind == "yes_no":
        folded = text.casefold()
        return "true" if folded in YES else "false" if folded in NO else text
    if field.kind == "choice" and field.enum is not None:
        return _code(field.enum, text)
    return text


def _date(text: str) -> str:
    """A date as the form reads it (ISO), from how a spreadsheet may write it; what
    is no date stays as it is, for the form to refuse."""
    if match := DAY_FIRST.fullmatch(text):
        day, month, year = map(int, match.groups())
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            return text
    if text.isdigit() and 0 < int(text) <= LAST_EXCEL_SERIAL:
        return (EXCEL_EPOCH + dt.timedelta(days=int(text))).isoformat()
    return text


def _codes(field: FormField, cell: Any) -> list[str]:
    if cell is None or cell == "":
        return []
    items = cell if isinstance(cell, list) else re.split(r"[,;|]", str(cell))
    enum = field.enum
    return [
        _code(enum, str(item).strip()) if enum else str(item).strip()
        for item in items
        if str(item).strip()
    ]


def _code(enum: type[Enum], text: str) -> str:
    return _codes_of(enum).get(_folded(text), text)


@functools.cache
def _codes_of(enum: type[Enum]) -> dict[str, str]:
    """What a cell may say -> the code: the code, or its label in English or Dutch."""
    dutch = catalogue("nl")
    known: dict[str, str] = {}
    for member in enum:
        english = labels.label(member)
        for name in (str(member.value), english, dutch.get(english, english)):
            known.setdefault(_folded(name), str(member.value))
    return known


@functools.lru_cache(maxsize=4096)  # codes and event names: the same on many rows
def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isalnum())
