"""A refused command (a ``DomainError``) in the words of the page's language.

The Dutch sentences are in ``locale/nl/LC_MESSAGES/refusals.po``: a msgid for each
error's English ``template``, for each phrase the aggregates pass as ``what`` or ``why``
("an intake", "reopening") and for each free-form message.
"""

from collections.abc import Callable

from domain.errors import DomainError


def refusal_words(
    error: DomainError, translate: Callable[[str], str], show: Callable[[object], str]
) -> str:
    """The error in the page's language: the template translated, each value shown by
    `show` (dates, enums), the `what` phrases translated."""

    def shown(name: str, value: object) -> str:
        if isinstance(value, DomainError):
            return refusal_words(value, translate, show)
        if name in error.PHRASES and isinstance(value, str):
            return translate(value)
        if isinstance(value, list | tuple):
            return ", ".join(show(item) for item in value)
        return show(value)

    return error.words(translate(error.template), shown)
