"""Loading the demo: the seed programmes, then trajectories in blocks, in one process
or several, and development tokens to try the API with."""

from __future__ import annotations

import math
import multiprocessing
import random
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from concurrent.futures import FIRST_EXCEPTION
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import wait
from dataclasses import dataclass
from datetime import date
from typing import Any

from application.access import Role
from application.access import TokenInfo
from application.errors import ProgrammeAlreadyRegistered
from application.service import Trajectories
from application.settings import Settings
from domain import calendar
from interfaces.demo.generator import Generator
from interfaces.demo.generator import demo_programmes
from interfaces.demo.plans import DemoProgramme
from interfaces.demo.present import present
from interfaces.demo.seeds import SEED_PROGRAMMES


@dataclass(frozen=True)
class DemoSummary:
    """What one load added: programmes newly registered, participants registered,
    trajectories referred, and the events in those trajectories' histories."""

    programmes: int
    participants: int
    trajectories: int
    events: int


BATCH_SIZE = 50  # trajectories written per transaction
BLOCK_SIZE = 1_000  # trajectories drawn from one random stream


def load_demo(
    app: Trajectories,
    *,
    trajectories: int,
    seed: int,
    progress: Callable[[int], None] | None = None,
    recorded_by: str = "demo",
    horizon: date | None = None,
    blocks: Iterable[int] | None = None,
    block_size: int = BLOCK_SIZE,
) -> DemoSummary:
    """Registers the seed programmes (those already there are kept) and generates
    ``trajectories`` synthetic trajectories across them, calling ``progress(1)`` after
    each. ``horizon`` is the last business date generated (today by default, never
    later): trajectories still open then stay open, and each programme running then
    has a present on it (see ``present``): the same seed, size and horizon give the
    same data.

    The trajectories come in blocks of ``block_size``, each drawn from a random
    stream of its own (seeded by ``seed`` and the block's number), so any subset of
    ``blocks`` can be written apart, in any order or process: together they are the
    same data."""
    horizon = checked_horizon(trajectories, horizon)
    registered = register_seed_programmes(app, recorded_by, horizon)
    programmes = demo_programmes(app, horizon, trajectories)
    register_coaches(app, programmes, recorded_by)
    count = math.ceil(trajectories / block_size)
    participants = events = written = 0
    for block in range(count) if blocks is None else blocks:
        if not 0 <= block < count:
            raise ValueError(f"block {block} is not one of the {count} blocks")
        rng = random.Random(f"{seed}:{block}")
        # The block and the count: the block's national register numbers are dealt
        # apart from every other block's, in this process or another, without a word
        # between them (``NationalNumbers``).
        generator = Generator(app, rng, horizon, recorded_by, programmes, block, count)
        size = min(block_size, trajectories - block * block_size)
        situations = present(programmes, size, rng)
        for first in range(0, size, BATCH_SIZE):
            with app.batch():
                for i in range(first, min(first + BATCH_SIZE, size)):
                    generator.trajectory(situations[i] if i < len(situations) else None)
                    if progress is not None:
                        progress(1)
        participants += generator.participants
        events += generator.events
        written += size
    return DemoSummary(
        programmes=registered,
        participants=participants,
        trajectories=written,
        events=events,
    )


def load_demo_in_parallel(
    settings: Settings,
    *,
    trajectories: int,
    seed: int,
    workers: int,
    progress: Callable[[int], None] | None = None,
    recorded_by: str = "demo",
    horizon: date | None = None,
    block_size: int = BLOCK_SIZE,
    blocks: Sequence[int] | None = None,
) -> DemoSummary:
    """``load_demo`` into the store of ``settings`` from ``workers`` processes, each
    writing every ``workers``-th block (of ``blocks``, by default all): the same
    data as one process writes, in about ``1 / workers`` of the time while the
    database keeps up. The programmes are registered first, here."""
    horizon = checked_horizon(trajectories, horizon)
    if workers < 1:
        raise ValueError(f"cannot generate with {workers} workers")
    app = Trajectories(settings)
    try:
        registered = register_seed_programmes(app, recorded_by, horizon)
        programmes = demo_programmes(app, horizon, trajectories)
        register_coaches(app, programmes, recorded_by)  # before the workers race
    finally:
        app.close()
    if blocks is None:
        blocks = range(math.ceil(trajectories / block_size))
    context = multiprocessing.get_context("spawn")
    counter = context.Value("q", 0)
    shares = [blocks[i::workers] for i in range(workers) if blocks[i::workers]]
    with ProcessPoolExecutor(
        len(shares) or 1,
        mp_context=context,
        initializer=_start_worker,
        initargs=(counter,),
    ) as pool:
        futures = [
            pool.submit(
                _load_blocks,
                settings,
                dict(
                    trajectories=trajectories,
                    seed=seed,
                    recorded_by=recorded_by,
                    horizon=horizon,
                    blocks=share,
                    block_size=block_size,
                ),
            )
            for share in shares
        ]
        reported, pending = 0, set(futures)
        while pending:
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_EXCEPTION)
            for future in done:
                future.result()  # raises what the worker raised
            if progress is not None and counter.value > reported:
                progress(counter.value - reported)
                reported = counter.value
        summaries = [future.result() for future in futures]
    return DemoSummary(
        programmes=registered,
        participants=sum(s.participants for s in summaries),
        trajectories=sum(s.trajectories for s in summaries),
        events=sum(s.events for s in summaries),
    )


def register_seed_programmes(
    app: Trajectories, recorded_by: str = "demo", horizon: date | None = None
) -> int:
    """Registers the seed programmes not registered yet, with the changes of their
    periods decided by the horizon (today by default); returns how many."""
    horizon = calendar.today() if horizon is None else horizon
    registered = 0
    for seed_programme in SEED_PROGRAMMES:
        try:
            app.register_programme(
                seed_programme.registration,
                recorded_by=recorded_by,
            )
        except ProgrammeAlreadyRegistered:
            continue
        registered += 1
        for change in seed_programme.changes:
            if change.on <= horizon:
                app.change_programme_period(
                    seed_programme.code, change, recorded_by=recorded_by
                )
    return registered


def register_coaches(
    app: Trajectories, programmes: list[DemoProgramme], recorded_by: str = "demo"
) -> None:
    """Registers each programme's coaches, those not registered yet, in each
    organisation that keeps its dossiers."""
    for programme in programmes:
        for organisation in programme.holders:
            for name in programme.coaches:
                app.coaches.ensure(name, organisation, recorded_by=recorded_by)


def checked_horizon(trajectories: int, horizon: date | None) -> date:
    today = calendar.today()
    horizon = today if horizon is None else horizon
    if horizon > today:
        raise ValueError(f"the horizon {horizon} is in the future (today is {today})")
    if trajectories < 0:
        raise ValueError(f"cannot generate {trajectories} trajectories")
    return horizon


_generated: Any = None  # in a worker process: the count shared with the parent


def _start_worker(counter: Any) -> None:
    global _generated
    _generated = counter


def _count_generated(n: int) -> None:
    with _generated.get_lock():
        _generated.value += n


def _load_blocks(settings: Settings, arguments: dict[str, Any]) -> DemoSummary:
    app = Trajectories(settings.model_copy(update={"postgres_pool_size": 2}))
    try:
        return load_demo(app, progress=_count_generated, **arguments)
    finally:
        app.close()


# Keeps the dossiers of the demo's two ongoing Werkburo programmes (UBUNTU-BW and
# UBUNTU-JOBCOACHING): a caseload of a few dozen open trajectories on any load date.
DEVELOPMENT_ORGANISATION = "Groep Ubuntu x 8K"


def development_tokens(app: Trajectories) -> list[tuple[TokenInfo, str]]:
    """A fresh token for each role, to try the API on demo data; the development
    tokens of an earlier start are revoked. Never for production data."""
    tokens = []
    for role in Role:
        name = f"development {role.value}"
        app.tokens.revoke_named(name)
        organisation = DEVELOPMENT_ORGANISATION if role is Role.STAFF else None
        tokens.append(
            app.tokens.create(role=role, name=name, organisation=organisation)
        )
    return tokens
