"""Domain errors: each names the rule it guards and says what was refused, with values.

Every error carries a stable ``code`` (snake case, never reworded) for machines and a
message for people.
"""

from datetime import date
from typing import ClassVar


class DomainError(Exception):
    code: ClassVar[str] = "domain_rule_broken"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """Something named by id or code does not exist."""

    code = "not_found"


class DateInFuture(DomainError):
    code = "date_in_future"

    def __init__(self, what: str, on: date, today: date) -> None:
        super().__init__(f"{what} on {on} is in the future (today is {today})")


class InvalidValue(DomainError):
    """A value outside its allowed range or format."""

    code = "invalid_value"


class ReasonRequired(DomainError):
    code = "reason_required"

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} needs a reason")
