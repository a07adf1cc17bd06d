"""Reading a posted form: the request body from the posted values, every field
checked as the browser checks it, then by the body; ``FormProblems`` names each
refused field (see the package's docstring)."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from decimal import Decimal
from decimal import InvalidOperation
from enum import Enum
from typing import Any

from pydantic import TypeAdapter
from pydantic import ValidationError

from interfaces.http.schemas.commands import EventIn
from interfaces.web.forms.fields import Choices
from interfaces.web.forms.fields import EventForm
from interfaces.web.forms.fields import FormField
from interfaces.web.forms.fields import event_forms
from interfaces.web.i18n import N_


class FormProblems(Exception):
    """The form's values that the checks refused, by field (English texts)."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


def parse(
    event_type: str,
    values: Mapping[str, str],
    lists: Mapping[str, list[str]],
    offered: Mapping[str, Choices] | None = None,
) -> EventIn:
    """The event request from the posted form, checked by the API's model.

    ``values`` holds each field's value, ``lists`` the values of a field with many
    (the checked boxes), ``offered`` the choices the page gave. An empty field is
    left out."""
    form = event_forms().get(event_type)
    if form is None:
        raise FormProblems({"type": N_("Choose an event of the list.")})
    event: EventIn = read(
        form, adapter_of(EventIn), values, lists, offered=offered, type=event_type
    )
    return event


def read(
    form: EventForm,
    adapter: TypeAdapter[Any],
    values: Mapping[str, str],
    lists: Mapping[str, list[str]],
    *,
    offered: Mapping[str, Choices] | None = None,
    **given: Any,
) -> Any:
    """The request body ``adapter`` checks, from the form's posted ``values`` (and
    ``lists``, the values of a field with many, such as checked boxes), with the
    ``given`` fields the form does not ask. An empty field is left out: the body
    says whether it may be. Every field is checked (the browser's checks, the
    ``offered`` choices, then the body's): ``FormProblems`` names each refused one."""
    data: dict[str, Any] = dict(given)
    problems: dict[str, str] = {}
    offered = offered or {}
    for field in form.fields:
        if field.kind == "typed":
            chosen = values.get(field.typed_by or "", "").strip()
            field = next((a for a in field.alternatives if a.when == chosen), field)
            if field.kind == "typed":
                data[field.name] = None  # its naming field's problem says it all
                continue
        raw: str | list[str]
        if field.kind == "choices":
            raw = lists.get(field.name, [])
        else:
            raw = values.get(field.name, "").strip()
            if not raw and not field.required:
                continue  # left empty, and it may be: nothing to check or to give
        name = field.name.split(".")[0]
        problem = _problem(field, raw, offered.get(field.name))
        if problem is not None:
            problems[name] = problem
        elif raw != "":
            data[name] = _value(field, raw)
    try:
        body = adapter.validate_python(data)
    except ValidationError as invalid:
        raise FormProblems({**_problems(invalid), **problems}) from None
    if problems:
        raise FormProblems(problems)
    return body


ASCII_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)
LONGEST_INTEGER = 18  # digits: beyond, no field's number, nor a database's
ASCII_NUMBER = re.compile(
    r"[+-]?([0-9]{1,30}([.,][0-9]{0,30})?|[.,][0-9]{1,30})([eE][+-]?[0-9]{1,4})?",
    re.ASCII,
)


def _problem(
    field: FormField, raw: str | list[str], offered: Choices | None
) -> str | None:
    """What is wrong with one field's posted value, if anything (the checks the
    browser makes, made again, and those of a typed field's own type)."""
    if isinstance(raw, list):
        if field.enum is not None and any(v not in _values(field.enum) for v in raw):
            return PROBLEMS["enum"]
        if offered is not None and any(v not in offered for v in raw):
            return PROBLEMS["enum"]
        if field.max_items is not None and len(raw) > field.max_items:
            return PROBLEMS["too_long"]
        return None
    if raw == "":
        if not field.required:
            return None
        if field.kind == "yes_no":
            return PROBLEMS["bool_parsing"]
        if field.kind == "choice" or offered is not None:
            return PROBLEMS["enum"]
        return PROBLEMS["missing"]
    if "\x00" in raw:
        return PROBLEMS["string_pattern_mismatch"]
    if offered is not None:
        return None if raw in offered else PROBLEMS["enum"]
    if field.max_length is not None and len(raw) > field.max_length:
        return PROBLEMS["string_too_long"]
    if field.format is not None and not re.fullmatch(field.format.pattern, raw):
        return PROBLEMS["format"]
    if field.kind == "yes_no" and raw not in ("true", "false"):
        return PROBLEMS["bool_parsing"]
    if field.kind == "choice" and field.enum is not None:
        return None if raw in _values(field.enum) else PROBLEMS["enum"]
    if field.kind == "integer":
        if not ASCII_INTEGER.fullmatch(raw):
            return PROBLEMS["int_parsing"]
        if len(raw.lstrip("+-")) > LONGEST_INTEGER:
            return PROBLEMS["int_parsing_size"]
        return _out_of_bounds(field, Decimal(raw))
    if field.kind == "decimal":
        if not ASCII_NUMBER.fullmatch(raw):
            return PROBLEMS["float_parsing"]
        return _out_of_bounds(field, Decimal(raw.replace(",", ".")))
    return None


@functools.cache
def _values(enum: type[Enum]) -> frozenset[Any]:
    """The values an enum's members have (kept: read for every posted choice)."""
    return frozenset(member.value for member in enum)


def _out_of_bounds(field: FormField, number: Decimal) -> str | None:
    try:
        if field.minimum is not None and number < field.minimum:
            return PROBLEMS["greater_than_equal"]
        if field.maximum is not None and number > field.maximum:
            return PROBLEMS["less_than_equal"]
    except InvalidOperation:
        return PROBLEMS["float_parsing"]
    return None


def _value(field: FormField, raw: str | list[str]) -> Any:
    """A field's value for the body (its checks passed): typed as the field is,
    for a field whose body's type is not (a typed field's ``value``)."""
    if isinstance(raw, list):
        return raw
    if field.kind == "integer" or field.whole:
        return int(raw)
    if field.kind == "decimal":
        return raw.replace(",", ".")
    if field.kind == "yes_no":
        return raw == "true"
    return raw


@functools.cache
def adapter_of(body: Any) -> TypeAdapter[Any]:
    """The checks of a request body (kept: building them is slow)."""
    return TypeAdapter(body)


PROBLEMS = {
    "missing": N_("Fill this in."),
    "date_from_datetime_parsing": N_("This is not a date."),
    "date_parsing": N_("This is not a date."),
    "date_from_datetime_inexact": N_("This is not a date."),
    "int_parsing": N_("This is not a whole number."),
    "int_parsing_size": N_("This number is too large."),
    "int_from_float": N_("This is not a whole number."),
    "float_parsing": N_("This is not a number."),
    "finite_number": N_("This is not a number."),
    "decimal_parsing": N_("This is not a number."),
    "decimal_max_digits": N_("This number has too many digits."),
    "decimal_max_places": N_("This number has too many decimals."),
    "decimal_whole_digits": N_("This number has too many digits."),
    "enum": N_("Choose one of the list."),
    "literal_error": N_("Choose one of the list."),
    "string_too_long": N_("This is too long."),
    "string_too_short": N_("Fill this in."),
    "string_pattern_mismatch": N_("This contains a character that is not allowed."),
    "format": N_("This is not in the right format."),
    "bool_parsing": N_("Choose yes or no."),
    "uuid_parsing": N_("Choose one of the list."),
    "too_long": N_("Too many are chosen."),
    "too_short": N_("Too few are chosen."),
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
