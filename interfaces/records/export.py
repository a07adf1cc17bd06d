"""An organisation's histories as the rows of an import file, so that records move
between installations and a person's own data can be handed over.

The trajectory's reference is its id; a placement's, its id; a coach is named. The
participant's personal data are written only when asked for (an admin's explicit
choice): without them a referral row has no name, birth date or number, and such a
file is for reading, not for importing again. An erased participant's data are gone:
their rows never have them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date
from enum import Enum
from typing import Any
from uuid import UUID

from application.histories import History
from domain.commands import COMMAND_FOR_EVENT
from interfaces.records.columns import EVENT
from interfaces.records.columns import PARTICIPANT
from interfaces.records.columns import PERSON
from interfaces.records.columns import REFERRAL
from interfaces.records.columns import REFERRAL_FIELDS
from interfaces.records.columns import TRAJECTORY
from interfaces.records.columns import column_of


def rows_of(history: History) -> Iterator[dict[str, Any]]:
    reference = str(history.trajectory_id)
    for event in history.events:
        event_type = type(event).__name__
        row: dict[str, Any] = {TRAJECTORY: reference, EVENT: event_type}
        if event_type == REFERRAL:
            row[PARTICIPANT] = str(history.participant_id)
            for name in REFERRAL_FIELDS:
                row[name] = _cell(getattr(event, name, None))
            person = history.participant
            if person is not None and not person.erased:
                for name in PERSON:
                    row[name] = _cell(getattr(person, name, None))
        else:
            command = COMMAND_FOR_EVENT.get(event_type)
            for field in dataclasses.fields(command) if command else ():
                value = getattr(event, field.name, None)
                if field.name == "coach_id":
                    value = getattr(event, "coach", None) or value
                row[column_of(field.name)] = _cell(value)
        yield {k: v for k, v in row.items() if v is not None}


def _cell(value: object) -> Any:
    """A value as a file holds it: text, a number, true or false, or a list."""
    if value is None or value == "":
        return None
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        items = [_cell(v) for v in value]
        return sorted(str(i) for i in items) if isinstance(value, set) else items
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)
