"""Domain errors: each names the rule it guards and says what was refused, with values.

Every error carries a stable ``code`` (snake case, never reworded) for machines and a
message for people. The message is the class's English ``template`` filled with the
error's ``values``; the values stay raw (dates, enum members, numbers), so a page in
another language can word the refusal and show each value its own way.
"""

from collections.abc import Callable
from datetime import date
from enum import Enum
from string import Formatter
from typing import ClassVar


class DomainError(Exception):
    code: ClassVar[str] = "domain_rule_broken"
    template: ClassVar[str] = "{message}"
    # Values that are English words rather than data: another language translates
    # them ("an intake", "reopening", a free-form message).
    PHRASES: ClassVar[frozenset[str]] = frozenset({"message", "what", "why"})

    def __init__(self, message: str | None = None, /, **values: object) -> None:
        if message is not None:
            values = {"message": message, **values}
        self.values: dict[str, object] = values
        self.message = self.words(self.template, lambda _, value: self.english(value))
        super().__init__(self.message)

    def english(self, value: object) -> str:
        """How the English message shows a value; a class may show some its own way."""
        if isinstance(value, DomainError):
            return value.message
        if isinstance(value, Enum):
            return str(value.value)
        if isinstance(value, list | tuple):
            return ", ".join(self.english(item) for item in value)
        return str(value)

    def words(self, template: str, show: Callable[[str, object], str]) -> str:
        """``template`` with each ``{name}`` replaced by ``show(name, value)``; a
        ``{name!r}`` quotes the raw value, as it was typed."""
        quoted = {
            name
            for _, name, _, conversion in Formatter().parse(template)
            if conversion == "r"
        }
        shown = {
            name: value if name in quoted else show(name, value)
            for name, value in self.values.items()
        }
        return template.format(**shown)


class NotFound(DomainError):
    """Something named by id or code does not exist."""

    code = "not_found"


class DateInFuture(DomainError):
    code = "date_in_future"
    template = "{what} on {on} is in the future (today is {today})"

    def __init__(self, what: str, on: date, today: date) -> None:
        super().__init__(what=what, on=on, today=today)


class InvalidValue(DomainError):
    """A value outside its allowed range or format."""

    code = "invalid_value"


class ReasonRequired(DomainError):
    code = "reason_required"
    template = "{what} needs a reason"

    def __init__(self, what: str) -> None:
        super().__init__(what=what)
