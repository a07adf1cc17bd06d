"""A refused command in the page's words: English as the API says it, Dutch from
``refusals.po``, with the values shown the page's way."""

import ast
import importlib
import inspect
import pkgutil
from collections.abc import Callable
from datetime import date
from enum import Enum
from pathlib import Path
from string import Formatter
from types import ModuleType

import pytest
from babel.messages.pofile import read_po

import application
import domain
from domain.errors import DateBeforeIntake
from domain.errors import DateBeforeReferral
from domain.errors import DomainError
from domain.errors import InvalidValue
from domain.errors import RetractionBreaksHistory
from domain.errors import TrajectoryNotOpen
from domain.vocabulary import FOLLOW_UP_MILESTONES
from domain.vocabulary import Stage
from interfaces.web.refusals import refusal_words
from tests.domain.builders import referred
from tests.domain.builders import take_in
from tests.domain.test_errors import EXAMPLES
from tests.domain.test_errors import by_class
from tests.domain.test_errors import error_classes

REFUSALS_PO = (
    Path(__file__).parents[3] / "interfaces/web/locale/nl/LC_MESSAGES/refusals.po"
)


def read_catalogue() -> dict[str, str]:
    with REFUSALS_PO.open("rb") as file:
        catalogue = read_po(file)
    return {str(m.id): str(m.string) for m in catalogue if m.id}


DUTCH = read_catalogue()


def dutch(text: str) -> str:
    return DUTCH.get(text, text)


def belgian(value: object) -> str:
    """A page's way with values, as far as these tests need it."""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Enum):
        return f"<{value.value}>"
    return str(value)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name is not None}


def modules() -> list[ModuleType]:
    found = []
    for package in (domain, application):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            found.append(importlib.import_module(info.name))
    return found


def phrase_arguments(module: ModuleType) -> list[ast.expr]:
    """What the module's code passes as ``what``, ``why`` or a free ``message`` to an
    error class or to a method that takes one (``self._check_date("intake", on)``)."""
    tree = ast.parse(Path(str(module.__file__)).read_text())
    arguments = []
    for call in ast.walk(tree):
        if not isinstance(call, ast.Call):
            continue
        callee = _callee(module, call.func)
        if callee is None:
            continue
        names = [n for n in inspect.signature(callee).parameters if n != "self"]
        for index, name in enumerate(names):
            if name not in DomainError.PHRASES:
                continue
            if index < len(call.args):
                arguments.append(call.args[index])
            arguments += [k.value for k in call.keywords if k.arg == name]
    return arguments


def _callee(module: ModuleType, func: ast.expr) -> Callable[..., object] | None:
    if isinstance(func, ast.Name):
        named = getattr(module, func.id, None)
        if isinstance(named, type) and issubclass(named, DomainError):
            return named
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        if func.value.id in ("self", "cls"):
            for value in vars(module).values():
                if isinstance(value, type) and value.__module__ == module.__name__:
                    method = getattr(value, func.attr, None)
                    if callable(method):
                        return method  # type: ignore[no-any-return]
    return None


def phrases(arguments: list[ast.expr]) -> tuple[set[str], list[str]]:
    """The phrases the arguments can be, and the f-strings that are not a phrase of a
    follow-up milestone (they would need a template of their own)."""
    found: set[str] = set()
    others: list[str] = []
    for argument in arguments:
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            found.add(argument.value)
        elif isinstance(argument, ast.JoinedStr):
            names = {n.id for n in ast.walk(argument) if isinstance(n, ast.Name)}
            if names != {"milestone"}:
                others.append(ast.unparse(argument))
                continue
            code = compile(ast.Expression(argument), "<phrase>", "eval")
            found |= {eval(code, {"milestone": m}) for m in FOLLOW_UP_MILESTONES}
    return found, others


def test_english_words_are_the_message_for_every_example() -> None:
    for error, message in EXAMPLES:
        assert refusal_words(error, lambda text: text, error.english) == message


@pytest.mark.parametrize(("error", "message"), by_class(EXAMPLES))
def test_every_example_reads_in_dutch(error: DomainError, message: str) -> None:
    words = refusal_words(error, dutch, belgian)

    if error.template != "{message}" or error.values["message"] in DUTCH:
        assert words != message


def test_the_catalogue_is_belgian_dutch_in_utf8_with_every_msgstr_filled() -> None:
    with REFUSALS_PO.open("rb") as file:
        catalogue = read_po(file)

    assert str(catalogue.locale) == "nl_BE"
    assert catalogue.charset.lower() == "utf-8"
    assert [m.id for m in catalogue if m.id and (not m.string or m.fuzzy)] == []


def test_every_template_has_a_dutch_sentence_with_the_same_placeholders() -> None:
    templates = {cls.template for cls in error_classes()}

    missing = sorted(t for t in templates if t not in DUTCH)
    assert missing == []
    for template in templates:
        assert placeholders(DUTCH[template]) == placeholders(template), template
        assert DUTCH[template] != template or template == "{message}"


def test_every_phrase_and_free_message_has_dutch_words() -> None:
    arguments = [a for module in modules() for a in phrase_arguments(module)]
    used, _ = phrases(arguments)
    in_examples = {
        value
        for error, _ in EXAMPLES
        for name, value in error.values.items()
        if name in DomainError.PHRASES and isinstance(value, str)
    }

    known_free_ones = {"no placement to end", "there is no such page"}
    assert sorted((used | in_examples) - set(DUTCH) - known_free_ones) == []
    assert {"intake", "an intake", "reopening", "the 12-month follow-up"} <= used
    for phrase in used | in_examples:
        if phrase in DUTCH:
            assert placeholders(DUTCH[phrase]) == set(), phrase


def test_the_domain_passes_no_free_message_built_with_an_f_string() -> None:
    arguments = [
        a
        for module in modules()
        if module.__name__.startswith("domain.")
        for a in phrase_arguments(module)
    ]

    _, built = phrases(arguments)

    assert built == []


def test_an_intake_before_the_referral_is_refused_in_dutch() -> None:
    trajectory = referred(on=date(2024, 2, 1))

    with pytest.raises(DateBeforeReferral) as refused:
        take_in(trajectory, on=date(2024, 1, 29))

    assert refusal_words(refused.value, dutch, belgian) == (
        "de intake op 29/01/2024 valt vóór de verwijzing op 01/02/2024"
    )


def test_a_stage_is_shown_the_page_way_and_what_is_translated() -> None:
    error = TrajectoryNotOpen("a session", Stage.DROPPED_OUT)

    words = refusal_words(error, dutch, belgian)

    assert words == (
        "een sessie kan niet geregistreerd worden: "
        "het traject heeft de status ‘<dropped_out>’"
    )


def test_the_broken_rule_under_a_retraction_is_in_dutch_too() -> None:
    broken = DateBeforeIntake("the session", date(2024, 2, 10), date(2024, 2, 12))

    words = refusal_words(RetractionBreaksHistory(4, 5, broken), dutch, belgian)

    assert words == (
        "als versie 4 ingetrokken wordt, klopt versie 5 niet meer: "
        "de sessie op 10/02/2024 valt vóór de intake op 12/02/2024"
    )


def test_a_free_message_is_translated_and_an_unknown_one_stays_english() -> None:
    known = InvalidValue("an intake needs the coach who takes the trajectory")
    unknown = InvalidValue("something new")

    assert refusal_words(known, dutch, belgian).startswith("voor een intake")
    assert refusal_words(unknown, dutch, belgian) == "something new"
