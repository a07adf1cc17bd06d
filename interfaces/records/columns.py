"""The columns of an import or export file, derived from the commands: one row per
event, the event's fields in columns of the same names as the API's.

A few fields are named otherwise in a file, where a spreadsheet has no ids: the coach
by name (``coach``), a placement by the file's own reference (``placement``), and a
correction's new value in ``value`` whatever the field it corrects.
"""

from __future__ import annotations

import dataclasses
import functools
import unicodedata

from domain.commands import TRAJECTORY_COMMANDS
from domain.commands import Refer
from domain.commands import RegisterParticipant
from interfaces.web import labels
from interfaces.web.i18n import catalogue

TRAJECTORY = "trajectory"  # the file's reference for a trajectory: its rows share it
EVENT = "event"
PARTICIPANT = "participant"  # the file's reference for a person (on the referral)
REFERRAL = "ReferralReceived"
# The form's field -> its column, where the file names it otherwise.
RENAMED = {"coach_id": "coach", "placement_id": "placement"}
PERSON = tuple(
    f.name
    for f in dataclasses.fields(RegisterParticipant)
    if f.name != "confirmed_new_person"
)
REFERRAL_FIELDS = tuple(
    f.name for f in dataclasses.fields(Refer) if f.name != "participant_id"
)


@functools.cache  # a form's few fields, asked for on every row
def column_of(field: str) -> str:
    """The file's column for a form field (``value.rung``: ``value``)."""
    field = field.split(".")[0]
    return RENAMED.get(field, field)


@functools.cache
def columns() -> tuple[str, ...]:
    """Every column, in the order of a template: the trajectory and the event, the
    participant and the referral (on the referral's row), then the fields of the
    events in the order the commands first name them."""
    ordered = [TRAJECTORY, EVENT, PARTICIPANT, *PERSON, *REFERRAL_FIELDS]
    for command in TRAJECTORY_COMMANDS:
        ordered += [column_of(f.name) for f in dataclasses.fields(command)]
    return tuple(dict.fromkeys(ordered))


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(c for c in decomposed if c.isalnum())
    return kept


@functools.cache
def headers() -> dict[str, str]:
    """What a header may say -> its column: the column's name, or its label in
    English or Dutch (without case, accents, spaces or punctuation)."""
    dutch = catalogue("nl")
    known: dict[str, str] = {}
    for column in columns():
        names = [column]
        label = labels.FIELD_LABELS.get(column)
        if label is not None:
            names += [label, dutch.get(label, label)]
        for name in names:
            known.setdefault(_folded(name), column)
    return known


@functools.lru_cache(maxsize=1024)  # a file's few headers, read on every row
def column_for(header: str) -> str | None:
    return headers().get(_folded(header))
