"""Random draws the generator makes: weighted picks, days, workdays, and made-up
identities."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date
from datetime import timedelta
from enum import Enum
from typing import TypeVar

from domain.trajectory import add_months
from domain.vocabulary import Gender

T = TypeVar("T")
E = TypeVar("E", bound=Enum)


def pick(rng: random.Random, weights: Mapping[T, float]) -> T:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def weighted(vocabulary: type[E], **weights: float) -> Mapping[E, float]:
    """Weights over a vocabulary, named by its values and kept in the order given
    (the draws depend on it): ``weighted(LabourStatus, inactive=8, unemployed=2)``."""
    return {vocabulary(value): weight for value, weight in weights.items()}


def days(rng: random.Random, low: int, high: int) -> timedelta:
    return timedelta(days=rng.randint(low, high))


def workday(day: date, earliest: date = date.min, latest: date = date.max) -> date:
    """The day itself if it is a weekday; else the Monday after, or the Friday before
    when that Monday is after ``latest``, or the day itself if neither fits."""
    if day.weekday() < 5:
        return day
    monday = day + timedelta(days=7 - day.weekday())
    friday = day - timedelta(days=day.weekday() - 4)
    if monday <= latest:
        return monday
    return friday if friday >= earliest else day


def years_before(day: date, years: int) -> date:
    return add_months(day, -12 * years)


def national_register_number(rng: random.Random, birth: date, gender: Gender) -> str:
    """Well-formed, with a counter from 901 to 997 (odd for men, even for women):
    counters that high are rarely issued, so the number is unlikely to be anyone's."""
    counter = rng.randrange(901, 998, 2)
    if gender is Gender.F or (gender is not Gender.M and rng.random() < 0.5):
        counter -= 1
    first = f"{birth:%y%m%d}{counter:03d}"
    base = int(first) if birth.year < 2000 else int("2" + first)
    check = 97 - base % 97
    return f"{birth:%y.%m.%d}-{counter:03d}.{check:02d}"


def ascii_name(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())
