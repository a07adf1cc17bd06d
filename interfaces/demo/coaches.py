"""The demo's coaches: how many each programme has, and who takes a trajectory on.

The programmes running on the horizon are staffed by team: the organisations that keep
a programme's dossiers share one team of coaches over all their running programmes
(Groep Ubuntu x 8K's jobcoaches guide both its begeleid werken and its jobcoaching),
each carrying about 20 active trajectories on the horizon (the fidelity benchmark
is at most 20), the first of them a few more. A programme that has ended keeps
its article's coaches, with invented ones where it was bigger than they could carry.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping

from interfaces.demo.plans import DemoProgramme
from interfaces.demo.profiles import CASELOAD
from interfaces.demo.tables import FAMILY_NAMES
from interfaces.demo.tables import GIVEN_NAMES

LEAD_SHARE = 1.25  # the first coach of a team takes on this much more than the others


def choose_coach(
    programme: DemoProgramme,
    organisation: str,
    rng: random.Random,
    *,
    besides: str | None = None,
) -> str:
    """The coach who takes a trajectory of ``organisation`` in ``programme`` on (or
    over from ``besides``). The one place a coach is chosen."""
    coaches = [coach for coach in programme.coaches if coach != besides]
    lead = programme.coaches[0]
    weights = [LEAD_SHARE if coach == lead else 1.0 for coach in coaches]
    return rng.choices(coaches, weights)[0]


def staff(programmes: list[DemoProgramme], carried: Mapping[str, float]) -> None:
    """Gives each programme its coaches, for the active trajectories it is estimated
    to carry on the horizon (``carried``, by code). A running programme gets its
    organisations' team: one coach for each 20 the team carries, rounded (at least
    one). An ended programme gets one for each 20 begun, and at least its article's.
    The articles' coaches come first, then invented ones."""
    teams: dict[frozenset[str], list[DemoProgramme]] = {}
    for programme in programmes:
        if programme.running:
            teams.setdefault(frozenset(programme.holders), []).append(programme)
        else:
            count = math.ceil(carried[programme.code] / CASELOAD)
            count = max(count, len(programme.seed.coaches))
            programme.coaches = with_invented(programme.seed.coaches, count)
    for members in teams.values():
        count = max(1, round(sum(carried[p.code] for p in members) / CASELOAD))
        candidates = [c for p in members for c in p.seed.coaches]
        team = list(dict.fromkeys(candidates))[:count]
        invented = [c for c in invented_coaches(count) if c not in team]
        team += invented[: count - len(team)]
        for programme in members:
            programme.coaches = tuple(team)


def with_invented(coaches: tuple[str, ...], count: int) -> tuple[str, ...]:
    """``count`` coaches: the first of ``coaches``, then invented ones."""
    return coaches[:count] + invented_coaches(count - len(coaches))


def invented_coaches(count: int) -> tuple[str, ...]:
    """Coaches for programmes bigger than their articles tell: a given name and an
    initial, numbered once every pair is taken."""
    given = [name for pair in zip(*GIVEN_NAMES.values(), strict=True) for name in pair]
    initials = sorted({family[0] for family in FAMILY_NAMES})
    pairs = len(given) * len(initials)
    names = []
    for i in range(max(0, count)):
        name = f"{given[i % len(given)]} {initials[i // len(given) % len(initials)]}."
        names.append(name if i < pairs else f"{name} {i // pairs + 1}")
    return tuple(names)
