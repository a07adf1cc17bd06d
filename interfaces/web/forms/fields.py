"""Making a form: a ``FormField`` per field of a command, of a kind read from its
type and with the checks its metadata says (see the package's docstring)."""

from __future__ import annotations

import dataclasses
import functools
import re
import types
import typing
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any
from typing import Literal
from typing import get_args
from typing import get_origin
from uuid import UUID

from domain.commands import TRAJECTORY_COMMANDS
from domain.commands import Bounds
from domain.commands import CompleteIntake
from domain.commands import CorrectEntryProfile
from domain.commands import Items
from domain.commands import Money
from domain.commands import Refers
from domain.commands import Text
from domain.errors import MAX_HOURS_PER_WEEK
from domain.errors import MAX_SESSION_MINUTES
from domain.trajectory import BELGIAN_POSTCODE
from interfaces.web.i18n import N_

Kind = Literal[
    "date",
    "text",
    "textarea",
    "integer",
    "decimal",
    "yes_no",
    "choice",
    "choices",
    "typed",
]


@dataclass(frozen=True)
class Format:
    """A format the whole value must have: a regular expression that Python and the
    browser read alike, and the format in words for whoever fills it in."""

    pattern: str
    words: str


@dataclass(frozen=True)
class TypedBy:
    """The field's type is that of the field of ``of`` that the form's field ``by``
    names (a correction of the entry profile: the intake's field it corrects)."""

    by: str
    of: type[Any]


# What the domain checks in code and its commands' metadata does not say (yet), by
# field name, so that the browser and the form check it too.
CHECKED_BY_THE_DOMAIN: dict[str, tuple[object, ...]] = {
    "rung": (Bounds(ge=1, le=6),),
    "postcode": (
        Text(max_length=4),
        Format(BELGIAN_POSTCODE.pattern, N_("4 digits, such as 9300")),
    ),
    "minutes": (Bounds(ge=1, le=MAX_SESSION_MINUTES),),
    "hours_per_week": (Bounds(ge=0, le=int(MAX_HOURS_PER_WEEK)),),
}
# The fields whose type another field of their command names.
TYPED_BY: dict[tuple[type[Any], str], TypedBy] = {
    (CorrectEntryProfile, "value"): TypedBy("field", CompleteIntake),
}


@dataclass(frozen=True)
class FormField:
    """One field of a form: its input's ``name``, its ``kind``, and what the browser
    and ``read`` check. ``label`` names its label (a field name, see labels.py)."""

    name: str
    kind: Kind
    required: bool
    enum: type[Enum] | None = None
    # The field names something that exists (Refers): the page gives its choices;
    # ``whole``: by a whole number (a version), which the body takes as a number.
    refers: str | None = None
    whole: bool = False
    minimum: int | None = None
    maximum: int | None = None
    step: str | None = None
    max_length: int | None = None
    max_items: int | None = None
    format: Format | None = None
    # A field typed by another (TYPED_BY): that field's name, and an input for each
    # value it may take (``when`` is that value).
    typed_by: str | None = None
    alternatives: tuple[FormField, ...] = ()
    when: str | None = None

    @property
    def label(self) -> str:
        return self.when or self.name

    @property
    def html_pattern(self) -> str | None:
        """The format as the browser's ``pattern`` reads it (the whole value, the
        ``v`` flag: a ``-`` in a class escaped)."""
        if self.format is None:
            return None
        pattern = self.format.pattern.removeprefix("^").removesuffix("$")
        return re.sub(r"(?<=[\[\w])-(?=\])", r"\\-", pattern)


@dataclass(frozen=True)
class EventForm:
    """A command's form; ``type`` names it (an event type, for an event's)."""

    type: str
    fields: tuple[FormField, ...]


@dataclass(frozen=True)
class Choices:
    """The values a field may take, each with the words shown for it, given by the
    page; shown as radio buttons with ``radios``, else as a select."""

    options: tuple[tuple[str, str], ...]
    radios: bool = False

    @classmethod
    def of(cls, options: Iterable[tuple[str, str]], radios: bool = False) -> Choices:
        return cls(tuple(options), radios)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.options)

    def __len__(self) -> int:
        return len(self.options)

    def __contains__(self, value: object) -> bool:
        return any(code == value for code, _ in self.options)


def _unwrap(annotation: Any) -> tuple[Any, bool, list[object]]:
    """The annotation without Annotated and Optional, whether None was allowed, and
    the metadata it carried."""
    optional, metadata = False, []
    while True:
        origin = get_origin(annotation)
        if origin is typing.Annotated:
            annotation, *more = get_args(annotation)
            metadata += more
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            optional = optional or len(members) < len(get_args(annotation))
            annotation = members[0]
        else:
            return annotation, optional, metadata


def _checks(metadata: list[object]) -> dict[str, Any]:
    """The FormField attributes that the field's metadata sets."""
    checks: dict[str, Any] = {}
    for m in metadata:
        match m:
            case Text():
                checks["max_length"] = m.max_length
                if m.pattern is not None:
                    checks["format"] = Format(m.pattern, "")
            case Format():
                checks["format"] = m
            case Bounds():
                checks["minimum"], checks["maximum"] = m.ge, m.le
            case Money():
                checks["step"] = str(Decimal(1).scaleb(-m.decimal_places))
            case Items():
                checks["max_items"] = m.max_length
    return checks


def _field(name: str, annotation: Any, required: bool) -> FormField | None:
    """The form's field for a command's field; None for an id the service makes."""
    kind: Kind
    inner, optional, metadata = _unwrap(annotation)
    required = required and not optional
    checks = _checks([*metadata, *CHECKED_BY_THE_DOMAIN.get(name, ())])
    refers = next((m.to for m in metadata if isinstance(m, Refers)), None)
    if refers is not None and get_origin(inner) is list:  # several, of the page's
        return FormField(name, "choices", False, refers=refers, **checks)
    if refers is not None:
        return FormField(name, "choice", required, refers=refers, whole=inner is int)
    if inner is UUID:
        return None
    if get_origin(inner) is list:
        (item,) = get_args(inner)
        return FormField(name, "choices", False, enum=_unwrap(item)[0], **checks)
    if isinstance(inner, type) and issubclass(inner, Enum):
        return FormField(name, "choice", required, enum=inner)
    if inner is bool:
        kind = "yes_no"
    elif inner is date:
        kind = "date"
    elif inner is int:
        kind = "integer"
        checks.setdefault("step", "1")
    elif inner in (float, Decimal):
        kind = "decimal"
        checks.setdefault("step", "any")
    elif any(isinstance(m, Text) and m.long for m in metadata):
        kind = "textarea"
    else:
        kind = "text"
    return FormField(name, kind, required, **checks)


def _typed(name: str, required: bool, typed: TypedBy, naming: type[Enum]) -> FormField:
    """A field typed by another: an input for each field of ``typed.of`` that the
    naming field (an enum of field names) may name."""
    sources = {f.name: f for f in _fields(typed.of)}
    alternatives = tuple(
        dataclasses.replace(
            sources[member.value], name=f"{name}.{member.value}", when=member.value
        )
        for member in naming
    )
    return FormField(
        name, "typed", required, typed_by=typed.by, alternatives=alternatives
    )


def _fields(command: type[Any]) -> Iterator[FormField]:
    hints = typing.get_type_hints(command, include_extras=True)
    for field in dataclasses.fields(command):
        required = (
            field.default is dataclasses.MISSING
            and field.default_factory is dataclasses.MISSING
        )
        typed = TYPED_BY.get((command, field.name))
        if typed is not None:
            naming = _unwrap(hints[typed.by])[0]
            yield _typed(field.name, required, typed, naming)
            continue
        made = _field(field.name, hints[field.name], required)
        if made is not None:
            yield made


def form_of(command: type[Any], name: str) -> EventForm:
    """The form of a command, in the order of its fields."""
    return EventForm(name, tuple(_fields(command)))


@functools.cache
def event_forms() -> dict[str, EventForm]:
    """A form per event type, in the order of the API's event union."""
    return {
        command.event_type: form_of(command, command.event_type)
        for command in TRAJECTORY_COMMANDS
    }
