"""The forms that record an event, derived from the API's request models, so a form
asks exactly what the API takes and is checked by the same model."""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any, Literal, get_args, get_origin
from uuid import UUID

from pydantic import BaseModel, TypeAdapter, ValidationError

from interfaces.http.schemas import EventIn
from interfaces.web.i18n import N_

Kind = Literal[
    "date", "text", "textarea", "integer", "decimal", "yes_no", "choice", "choices"
]
LONG_TEXTS = frozenset({"note"})


@dataclass(frozen=True)
class FormField:
    name: str
    kind: Kind
    required: bool
    enum: type[Enum] | None = None
    # Filled from the trajectory: the placements an end may name, the versions a
    # retraction may name.
    from_state: Literal["placement", "version"] | None = None


@dataclass(frozen=True)
class EventForm:
    type: str
    fields: tuple[FormField, ...]


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The annotation without Annotated and Optional, and whether None was allowed."""
    optional = False
    while True:
        origin = get_origin(annotation)
        if origin is typing.Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            optional = optional or len(members) < len(get_args(annotation))
            annotation = members[0]
        else:
            return annotation, optional


def _field(model_name: str, name: str, annotation: Any, required: bool) -> FormField:
    kind: Kind
    inner, optional = _unwrap(annotation)
    required = required and not optional
    if get_origin(inner) is list:
        (item,) = get_args(inner)
        return FormField(name, "choices", False, enum=_unwrap(item)[0])
    if isinstance(inner, type) and issubclass(inner, Enum):
        return FormField(name, "choice", required, enum=inner)
    if inner is UUID:
        return FormField(name, "choice", required, from_state="placement")
    if name == "version" and model_name == "EntryRetractedIn":
        return FormField(name, "choice", required, from_state="version")
    if inner is bool:
        kind = "yes_no"
    elif inner is date:
        kind = "date"
    elif inner is int:
        kind = "integer"
    elif inner is float:
        kind = "decimal"
    else:
        kind = "textarea" if name in LONG_TEXTS else "text"
    return FormField(name, kind, required)


def _models() -> list[type[BaseModel]]:
    union = get_args(EventIn)[0]
    return list(get_args(union))


@functools.cache
def event_forms() -> dict[str, EventForm]:
    """A form per event type, in the order of the API's event union."""
    forms: dict[str, EventForm] = {}
    for model in _models():
        (event_type,) = get_args(model.model_fields["type"].annotation)
        fields = tuple(
            _field(model.__name__, name, info.annotation, info.is_required())
            for name, info in model.model_fields.items()
            # A new placement's id is made by the service.
            if name != "type"
            and not (name == "placement_id" and not info.is_required())
        )
        forms[event_type] = EventForm(event_type, fields)
    return forms


class FormProblems(Exception):
    """The form's values that the request model refused, by field."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


def parse(
    event_type: str, values: Mapping[str, str], lists: Mapping[str, list[str]]
) -> BaseModel:
    """The event request from the posted form, checked by the API's model.

    ``values`` holds each field's value, ``lists`` the values of a field with many
    (the checked boxes). An empty field is left out."""
    form = event_forms().get(event_type)
    if form is None:
        raise FormProblems({"type": "unknown event type"})
    data: dict[str, Any] = {"type": event_type}
    for field in form.fields:
        if field.kind == "choices":
            data[field.name] = lists.get(field.name, [])
            continue
        value = values.get(field.name, "").strip()
        if value == "":
            continue  # left out: the model says whether it may be
        data[field.name] = value == "true" if field.kind == "yes_no" else value
    try:
        event: BaseModel = _event_adapter().validate_python(data)
        return event
    except ValidationError as invalid:
        raise FormProblems(_problems(invalid)) from None


@functools.cache
def _event_adapter() -> TypeAdapter[Any]:
    return TypeAdapter(EventIn)


PROBLEMS = {
    "missing": N_("Fill this in."),
    "date_from_datetime_parsing": N_("This is not a date."),
    "date_parsing": N_("This is not a date."),
    "int_parsing": N_("This is not a whole number."),
    "int_from_float": N_("This is not a whole number."),
    "float_parsing": N_("This is not a number."),
    "enum": N_("Choose one of the list."),
    "literal_error": N_("Choose one of the list."),
    "string_too_long": N_("This is too long."),
    "string_too_short": N_("Fill this in."),
    "string_pattern_mismatch": N_("This contains a character that is not allowed."),
    "bool_parsing": N_("Choose yes or no."),
    "uuid_parsing": N_("Choose one of the list."),
    "too_long": N_("Too many are chosen."),
    "greater_than_equal": N_("This number is too small."),
    "less_than_equal": N_("This number is too large."),
}


def _problems(invalid: ValidationError) -> dict[str, str]:
    """Each refused field with its problem (an English text, to be translated)."""
    problems: dict[str, str] = {}
    for error in invalid.errors():
        location = [part for part in error["loc"] if isinstance(part, str)]
        name = location[1] if len(location) > 1 else (location or ["type"])[0]
        problems.setdefault(name, PROBLEMS.get(error["type"], error["msg"]))
    return problems
