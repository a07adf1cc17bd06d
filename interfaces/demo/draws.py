"""Random draws the generator makes: weighted picks, days, workdays, and made-up
identities."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
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


# A national register number's serial: 001 to 997 odd for men, 002 to 998 even for
# women, 499 of each a birth date. In the order given out: first the 49 of the 900s
# (901-997, 900-996), rarely issued, so a number is unlikely to be anyone's; then 998
# for women; then down from 899 (898) to 001 (002).
SERIALS = {
    parity: tuple(range(900 + parity, 998, 2))
    + ((998,) if parity == 0 else ())
    + tuple(range(898 + parity, 0, -2))
    for parity in (0, 1)  # 1: odd, for men
}
RARELY_ISSUED = 49  # the first serials of each parity: those of the 900s
SERIALS_A_DAY = 499  # of each parity


@dataclass
class Given:
    """What one block gave out of one birth date and parity's serials."""

    places: set[int] = field(default_factory=set)  # places in SERIALS
    next: int = 0  # the place in the block's deal where a taken serial's search goes on


class NationalNumbers:
    """Well-formed national register numbers for the participants of one block of a
    demo load (``load_demo``): each number is one person's, in the block and in the
    whole load, and a person keeps theirs (the generator draws a number only for a
    new participant, never for one referred again).

    No two blocks can give out one number, whatever process writes them (one, or
    each its own share of the blocks in ``load_demo_in_parallel``) and without a
    word between them: the serials of a birth date and gender are dealt to the
    ``blocks`` of the load like cards, each block ``block`` getting every
    ``blocks``-th of the order of ``SERIALS``, from a place turned by the birth date
    (so when there are more blocks than serials, each block has serials on some
    birth dates rather than some blocks none at all). Up to 49 blocks, each draws
    from its share of the 900s; with more, a block with none of a birth date takes
    its highest serial (about 800 or more at 100 blocks). Within the block a set per
    birth date and gender keeps the serials given; a serial drawn twice is replaced
    by the block's next one not given yet, in that order, so the cost stays constant
    a participant. When the block has no serial left for a birth date and gender
    (one block, 1,000 trajectories, would need 500 new participants born on one day
    with one gender), the participant gets no number, as 40% do anyway; there is no
    search that could go on for ever.

    It makes the draws from the random stream that the generator made before numbers
    were dealt apart, whatever the block and the number of blocks, so the rest of a
    load is as it was; with one block (a load of up to 1,000 trajectories) the
    numbers are too, but for a serial taken already."""

    def __init__(self, block: int = 0, blocks: int = 1) -> None:
        if not 0 <= block < blocks:
            raise ValueError(f"block {block} is not one of the {blocks} blocks")
        self.block, self.blocks = block, blocks
        self.days: dict[tuple[date, int], Given] = {}  # by birth date and parity

    def draw(self, rng: random.Random, birth: date, gender: Gender) -> str | None:
        # Always these draws, whatever the block's deal: the random stream goes on as
        # before numbers were dealt, so everything else the load draws stays the same.
        drawn = rng.randrange(RARELY_ISSUED)
        odd = gender is Gender.M or (gender is not Gender.F and rng.random() >= 0.5)
        first = (self.block - birth.toordinal()) % self.blocks  # the block's first
        # One of the block's rarely issued serials, at random; with more than 49
        # blocks it may have none of this birth date: then its first, the highest.
        dealt = (
            range(first, RARELY_ISSUED, self.blocks)
            or range(first, SERIALS_A_DAY, self.blocks)[:1]
        )
        if not dealt:
            return None  # more blocks than serials: none for this birth date
        place = dealt[drawn * len(dealt) // RARELY_ISSUED]
        parity = int(odd)
        given = self.days.setdefault((birth, parity), Given())
        if place in given.places:
            deal = range(first, SERIALS_A_DAY, self.blocks)  # every serial dealt
            while given.next < len(deal) and deal[given.next] in given.places:
                given.next += 1
            if given.next == len(deal):
                return None  # the block has given every serial of this birth date
            place = deal[given.next]
        given.places.add(place)
        serial = SERIALS[parity][place]
        first_nine = f"{birth:%y%m%d}{serial:03d}"
        base = int(first_nine) if birth.year < 2000 else int("2" + first_nine)
        check = 97 - base % 97
        return f"{birth:%y.%m.%d}-{serial:03d}.{check:02d}"


def ascii_name(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())
