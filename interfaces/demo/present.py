"""The demo's present: trajectories planned back from the horizon (the load date), so
that on that date every running programme has intakes waiting, trajectories seen
lately, contact overdue (amber, red, exit candidate), suspensions, running
placements, and exits whose result or follow-up is due.

A block of trajectories begins with its present: first every situation of every
running programme once (so even a small load shows each), then situations drawn by
``MIX``, in programmes drawn by their weight. The rest of the block is history,
spread over the programmes' periods.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date
from datetime import timedelta

from domain.errors import EXIT_RESULT_WINDOW_DAYS
from domain.trajectory import add_months
from interfaces.demo.draws import days
from interfaces.demo.draws import pick
from interfaces.demo.draws import workday
from interfaces.demo.plans import EXIT_RESULT
from interfaces.demo.plans import DemoProgramme
from interfaces.demo.plans import Situation
from interfaces.demo.plans import Target

PRESENT_SHARE = 0.25  # of a block's trajectories, the present of its programmes
MIX: Mapping[Situation, float] = {
    Situation.WAITING: 3,
    Situation.SEEN: 9,
    Situation.PLACED: 6,
    Situation.AMBER: 2,
    Situation.RED: 1.5,
    Situation.EXIT_CANDIDATE: 1.5,
    Situation.SUSPENDED: 2,
    Situation.EXIT_RESULT_DUE: 1.5,
    Situation.FOLLOW_UP_6_DUE: 1.5,
    Situation.FOLLOW_UP_12_DUE: 1,
}
# Days since the last contact, on the horizon, before workdays shift them by up to
# two: amber is over 30, red over 60, an exit candidate from 90.
SILENCE: Mapping[Situation, tuple[int, int]] = {
    Situation.AMBER: (33, 58),
    Situation.RED: (63, 87),
    Situation.EXIT_CANDIDATE: (92, 150),
}
MILESTONE_DUE: Mapping[Situation, int] = {
    Situation.FOLLOW_UP_6_DUE: 6,
    Situation.FOLLOW_UP_12_DUE: 12,
}


def present(
    programmes: list[DemoProgramme], size: int, rng: random.Random
) -> list[tuple[DemoProgramme, Situation]]:
    """The situations the first trajectories of a block of ``size`` are planned to:
    every one of every running programme once, then drawn."""
    running = [p for p in programmes if p.running]
    if not running:
        return []
    first = [(p, s) for p in running for s in Situation]
    rng.shuffle(first)
    count = present_size(size, len(running))
    weights = [p.weight for p in running]
    drawn = [
        (rng.choices(running, weights)[0], pick(rng, MIX))
        for _ in range(count - len(first))
    ]
    return (first + drawn)[:count]


def present_size(size: int, running: int) -> int:
    """How many of a block of ``size`` are the present of ``running`` programmes:
    the present's share, and at least every situation of each."""
    return min(size, max(round(size * PRESENT_SHARE), len(Situation) * running))


ACTIVE = (
    Situation.SEEN,
    Situation.PLACED,
    Situation.AMBER,
    Situation.RED,
    Situation.EXIT_CANDIDATE,
)


def carried(programmes: list[DemoProgramme], trajectories: int) -> dict[str, float]:
    """About how many active trajectories each programme's coaches carry at once, by
    code: on the horizon for a running programme (its present, and its history's
    trajectories still guided then), else while it ran."""
    running = [p for p in programmes if p.running]
    count = present_size(trajectories, len(running))
    drawn = max(0, count - len(Situation) * len(running))
    active = sum(MIX[s] for s in ACTIVE) / sum(MIX.values())
    total = sum(p.weight for p in programmes)
    estimates = {}
    for programme in programmes:
        years = (programme.last_referral_on - programme.stored.starts_on).days / 365
        history = (trajectories - count) * programme.weight / total
        if not programme.running:
            # Trajectories stay open about a year: the programme's share of the
            # history, spread over its years, is what its coaches carried at once.
            estimates[programme.code] = history / max(1.0, years)
            continue
        profile, seed = programme.profile, programme.seed
        guided = sum(profile.months) / 24 * (1 - profile.decline)  # years, about
        guided *= 1 - seed.dropout_rate / 2  # a dropout leaves early
        share = programme.weight / sum(p.weight for p in running)
        present = len(ACTIVE) + drawn * share * active
        estimates[programme.code] = history * min(1.0, guided / years) + present
    return estimates


def plan(
    programme: DemoProgramme,
    situation: Situation,
    horizon: date,
    rng: random.Random,
) -> Target | None:
    """The dates that put a trajectory of ``programme`` in ``situation`` on the
    horizon; None when the programme is too young for it."""
    profile = programme.profile
    longest = profile.months[1] * 30
    intake_on = exit_on = last_contact_on = suspended_on = None
    placed: bool | None = None
    pending: frozenset[int] = frozenset()
    if situation is Situation.WAITING:
        waited = days(rng, 0, profile.intake_days[1])
        referral_on = workday(horizon - waited, latest=horizon)
        return _checked(Target(situation, referral_on), programme)
    if situation in SILENCE:
        low, high = SILENCE[situation]
        last_contact_on = workday(horizon - days(rng, low, high), latest=horizon)
        intake_on = last_contact_on - days(rng, 0, longest // 2)
    elif situation is Situation.SUSPENDED:
        suspended_on = horizon - days(rng, 25, 150)
        intake_on = suspended_on - days(rng, 14, longest // 2)
        placed = False
    elif situation is Situation.SEEN:
        intake_on = horizon - days(rng, 45, longest)
    elif situation is Situation.PLACED:  # placed before the horizon, however long
        intake_on = horizon - days(rng, 60, longest)
        placed = True
    else:
        if situation is Situation.EXIT_RESULT_DUE:
            window = EXIT_RESULT_WINDOW_DAYS - 3
            exit_on = workday(horizon - days(rng, 0, window), latest=horizon)
            pending = frozenset({EXIT_RESULT})
        else:
            milestone = MILESTONE_DUE[situation]
            back = add_months(horizon, -milestone) + days(rng, -25, 25)
            exit_on = workday(back, latest=horizon)
            pending = frozenset({milestone})
        intake_on = exit_on - days(rng, 60, longest)
    intake_on = workday(intake_on, latest=horizon)
    low, high, mode = profile.intake_days
    wait = timedelta(days=round(rng.triangular(low, high, mode)))
    referral_on = workday(intake_on - wait, latest=intake_on)
    target = Target(
        situation,
        referral_on,
        intake_on=intake_on,
        exit_on=exit_on,
        last_contact_on=last_contact_on,
        suspended_on=suspended_on,
        placed=placed,
        pending=pending,
    )
    return _checked(target, programme)


def _checked(target: Target, programme: DemoProgramme) -> Target | None:
    return target if programme.runs_on(target.referral_on) else None
