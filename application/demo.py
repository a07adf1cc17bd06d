"""Synthetic demo data: the seed programmes, populated with realistic trajectories.

Everything is invented: names are combined from short lists of common Flemish given and
family names, emails use the reserved ``example.org`` domain and national register
numbers are well-formed but use the rarely issued counters 901-997. The generator writes
through the application's commands, so every domain rule is checked on the way in; a
domain error raised here is a bug in the generator and is not caught.

The data depend only on the seed, the number of trajectories and the horizon (today by
default): ``random.Random(seed)`` draws every value, and placement ids come from it too.
Only the ids the application makes (participants, trajectories) differ between runs.
"""

from __future__ import annotations

import math
import multiprocessing
import random
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

from application.access import Role, TokenInfo
from application.catalogue import SEED_PROGRAMMES, SeedProgramme
from application.settings import Settings
from application.trajectories import ProgrammeAlreadyRegistered, Trajectories
from domain.participant import age_on
from domain.programme import Programme
from domain.trajectory import EXIT_RESULT_WINDOW_DAYS, REOPEN_WINDOW_DAYS, add_months
from domain.vocabulary import (
    COMPETITIVE_PLACEMENT_TYPES,
    FOLLOW_UP_MILESTONES,
    Barrier,
    DeclineReason,
    Destination,
    DropoutReason,
    EducationLevel,
    ExitStatus,
    Gender,
    LabourStatus,
    PlacementEndReason,
    PlacementType,
    ProfileField,
    ReferralSource,
    SessionMode,
    SessionSetting,
    SuspensionReason,
)

T = TypeVar("T")


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
    later): trajectories still open then stay open.

    The trajectories come in blocks of ``block_size``, each drawn from a random
    stream of its own (seeded by ``seed`` and the block's number), so any subset of
    ``blocks`` can be written apart, in any order or process: together they are the
    same data."""
    horizon = _checked(trajectories, horizon)
    registered = register_seed_programmes(app, recorded_by)
    programmes = _programmes(app, horizon, trajectories)
    count = math.ceil(trajectories / block_size)
    participants = events = written = 0
    for block in range(count) if blocks is None else blocks:
        if not 0 <= block < count:
            raise ValueError(f"block {block} is not one of the {count} blocks")
        rng = random.Random(f"{seed}:{block}")
        generator = _Generator(app, rng, horizon, recorded_by, programmes)
        size = min(block_size, trajectories - block * block_size)
        for first in range(0, size, BATCH_SIZE):
            with app.batch():
                for _ in range(first, min(first + BATCH_SIZE, size)):
                    generator.trajectory()
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
    horizon = _checked(trajectories, horizon)
    if workers < 1:
        raise ValueError(f"cannot generate with {workers} workers")
    app = Trajectories(settings)
    try:
        registered = register_seed_programmes(app, recorded_by)
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


def register_seed_programmes(app: Trajectories, recorded_by: str = "demo") -> int:
    """Registers the seed programmes not registered yet; returns how many."""
    registered = 0
    for seed_programme in SEED_PROGRAMMES:
        try:
            app.register_programme(
                code=seed_programme.code,
                name=seed_programme.name,
                funder=seed_programme.funder,
                organisations=list(seed_programme.organisations),
                starts_on=seed_programme.starts_on,
                ends_on=seed_programme.ends_on,
                budget=seed_programme.budget_eur,
                min_age=seed_programme.min_age,
                max_age=seed_programme.max_age,
                session_cap=seed_programme.session_cap,
                recorded_by=recorded_by,
            )
            registered += 1
        except ProgrammeAlreadyRegistered:
            pass
    return registered


def _checked(trajectories: int, horizon: date | None) -> date:
    today = date.today()
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


# What each programme's trajectories look like -----------------------------------------


@dataclass(frozen=True)
class _Profile:
    age_mode: int  # most common age at referral
    intake_days: tuple[int, int, int]  # referral to intake: low, high, most common
    months: tuple[int, int]  # intake to the planned exit, in months
    session_days: tuple[int, int]  # days between sessions
    decline: float  # share of referrals declined
    suspension: float  # share of intakes suspended once
    rungs: Mapping[int, float]
    labour: Mapping[LabourStatus, float]
    education: Mapping[EducationLevel, float]
    barriers: Mapping[Barrier, float]
    disability: float
    postcodes: tuple[str, ...]
    modes: Mapping[SessionMode, float]
    placements: Mapping[PlacementType, float]


_COMMON_BARRIERS: Mapping[Barrier, float] = {
    Barrier.CONFIDENCE_MOTIVATION: 8,
    Barrier.QUALIFICATIONS: 7,
    Barrier.MOBILITY: 6,
    Barrier.MENTAL_HEALTH: 5,
    Barrier.DEBT_INCOME: 5,
    Barrier.DUTCH_LANGUAGE: 4,
    Barrier.SOCIAL_ISOLATION: 4,
    Barrier.HOUSING: 3,
    Barrier.DIGITAL: 3,
    Barrier.ADMINISTRATIVE: 3,
    Barrier.PHYSICAL_HEALTH: 3,
    Barrier.LITERACY_NUMERACY: 2,
    Barrier.CARE: 2,
    Barrier.ADDICTION: 1,
    Barrier.RESIDENCE_JUSTICE: 1,
    Barrier.DISCRIMINATION: 1,
}

_PROFILES: Mapping[str, _Profile] = {
    "BUSO-AALST": _Profile(
        age_mode=18,
        intake_days=(5, 45, 14),
        months=(6, 18),
        session_days=(11, 21),
        decline=0.08,
        suspension=0.08,
        rungs={2: 2, 3: 5, 4: 3},
        labour={LabourStatus.INACTIVE: 8, LabourStatus.UNEMPLOYED: 2},
        education={EducationLevel.ISCED_0_2: 9, EducationLevel.ISCED_3_4: 1},
        barriers={
            Barrier.MOBILITY: 6,
            Barrier.CONFIDENCE_MOTIVATION: 5,
            Barrier.QUALIFICATIONS: 5,
            Barrier.LITERACY_NUMERACY: 4,
            Barrier.SOCIAL_ISOLATION: 3,
            Barrier.DIGITAL: 2,
            Barrier.MENTAL_HEALTH: 2,
            Barrier.ADMINISTRATIVE: 2,
        },
        disability=0.85,
        postcodes=("9300", "9300", "9308", "9310", "9320", "9340", "9280", "9400"),
        modes={SessionMode.INDIVIDUAL: 8, SessionMode.GROUP: 1},
        placements={
            PlacementType.SUPPORTED_UNPAID: 45,
            PlacementType.INTERNSHIP: 20,
            PlacementType.SOCIAL_ECONOMY: 15,
            PlacementType.REGULAR_JOB_WITH_SUPPORT: 15,
            PlacementType.REGULAR_JOB: 5,
        },
    ),
    "UBUNTU-BW": _Profile(
        age_mode=24,
        intake_days=(7, 120, 30),  # begeleid werken has waiting lists
        months=(6, 24),
        session_days=(7, 21),
        decline=0.10,
        suspension=0.25,
        rungs={1: 1, 2: 4, 3: 5, 4: 2},
        labour={
            LabourStatus.INACTIVE: 5,
            LabourStatus.LONG_TERM_UNEMPLOYED: 3,
            LabourStatus.UNEMPLOYED: 2,
        },
        education={
            EducationLevel.ISCED_0_2: 6,
            EducationLevel.ISCED_3_4: 3,
            EducationLevel.ISCED_5_8: 1,
        },
        barriers={
            Barrier.MENTAL_HEALTH: 8,
            Barrier.CONFIDENCE_MOTIVATION: 6,
            Barrier.SOCIAL_ISOLATION: 5,
            Barrier.MOBILITY: 4,
            Barrier.PHYSICAL_HEALTH: 3,
            Barrier.ADMINISTRATIVE: 3,
            Barrier.DEBT_INCOME: 2,
            Barrier.DIGITAL: 2,
        },
        disability=0.7,
        postcodes=tuple(
            "8550 8550 8500 8500 8510 8530 8540 8560 8790 8800 8870 8900".split()
        ),
        modes={SessionMode.INDIVIDUAL: 9, SessionMode.GROUP: 1},
        placements={
            PlacementType.SUPPORTED_UNPAID: 40,
            PlacementType.REGULAR_JOB_WITH_SUPPORT: 20,
            PlacementType.SOCIAL_ECONOMY: 15,
            PlacementType.REGULAR_JOB: 10,
            PlacementType.VOLUNTEERING: 5,
            PlacementType.AMA: 5,
            PlacementType.INTERNSHIP: 5,
        },
    ),
    "ZORA-SAMENLEVEN": _Profile(
        age_mode=22,
        intake_days=(2, 40, 10),
        months=(3, 12),
        session_days=(7, 18),
        decline=0.15,
        suspension=0.10,
        rungs={1: 3, 2: 4, 3: 3, 4: 1},
        labour={
            LabourStatus.UNEMPLOYED: 4,
            LabourStatus.LONG_TERM_UNEMPLOYED: 3,
            LabourStatus.INACTIVE: 3,
            LabourStatus.EMPLOYED: 0.5,
        },
        education={
            EducationLevel.ISCED_0_2: 5,
            EducationLevel.ISCED_3_4: 4,
            EducationLevel.ISCED_5_8: 1,
        },
        barriers=_COMMON_BARRIERS,
        disability=0.12,
        postcodes=tuple(
            "2640 2640 2630 2530 2150 2650 2540 2550 2547 2160 2520".split()
        ),
        modes={
            SessionMode.INDIVIDUAL: 5,
            SessionMode.JOB_WORKSHOP: 3,
            SessionMode.GROUP: 1,
            SessionMode.DIALOGUE_TABLE: 1,
        },
        placements={
            PlacementType.REGULAR_JOB: 25,
            PlacementType.VOCATIONAL_TRAINING: 20,
            PlacementType.WORK_EXPERIENCE: 15,
            PlacementType.WIJK_WERKEN: 10,
            PlacementType.VOLUNTEERING: 10,
            PlacementType.INTERNSHIP: 10,
            PlacementType.FORMAL_EDUCATION: 5,
            PlacementType.LOCAL_SERVICE_ECONOMY: 5,
        },
    ),
    "SAMENWERKT-HZ": _Profile(
        age_mode=21,
        intake_days=(3, 45, 12),
        months=(4, 18),
        session_days=(7, 17),
        decline=0.10,
        suspension=0.10,
        rungs={1: 2, 2: 5, 3: 4, 4: 1},
        labour={
            LabourStatus.UNEMPLOYED: 4,
            LabourStatus.INACTIVE: 4,
            LabourStatus.LONG_TERM_UNEMPLOYED: 2,
        },
        education={
            EducationLevel.ISCED_0_2: 6,
            EducationLevel.ISCED_3_4: 4,
            EducationLevel.ISCED_5_8: 0.5,
        },
        barriers=_COMMON_BARRIERS,
        disability=0.1,
        postcodes=tuple("3550 3550 3550 3560 3580 3530 3500 3583".split()),
        modes={
            SessionMode.INDIVIDUAL: 7,
            SessionMode.GROUP: 2,
            SessionMode.JOB_WORKSHOP: 1,
        },
        placements={
            PlacementType.REGULAR_JOB: 30,
            PlacementType.VOCATIONAL_TRAINING: 20,
            PlacementType.FORMAL_EDUCATION: 10,
            PlacementType.INTERNSHIP: 10,
            PlacementType.WORK_EXPERIENCE: 10,
            PlacementType.REGULAR_JOB_WITH_SUPPORT: 10,
            PlacementType.VOLUNTEERING: 5,
            PlacementType.SELF_EMPLOYMENT: 5,
        },
    ),
    "WWB-ESF": _Profile(
        age_mode=35,
        intake_days=(3, 50, 14),
        months=(6, 18),
        session_days=(7, 21),
        decline=0.10,
        suspension=0.15,
        rungs={1: 2, 2: 4, 3: 4, 4: 1},
        labour={
            LabourStatus.LONG_TERM_UNEMPLOYED: 6,
            LabourStatus.UNEMPLOYED: 3,
            LabourStatus.INACTIVE: 1,
        },
        education={
            EducationLevel.ISCED_0_2: 5,
            EducationLevel.ISCED_3_4: 4,
            EducationLevel.ISCED_5_8: 1,
        },
        barriers=_COMMON_BARRIERS,
        disability=0.2,
        postcodes=tuple(
            "2000 2060 2100 2800 2300 9000 9000 9100 9200"
            " 8000 8400 8500 8800 3500 3600 3000 1800 1500".split()
        ),
        modes={SessionMode.INDIVIDUAL: 6, SessionMode.GROUP: 3},
        placements={
            PlacementType.REGULAR_JOB: 30,
            PlacementType.REGULAR_JOB_WITH_SUPPORT: 15,
            PlacementType.WORK_EXPERIENCE: 15,
            PlacementType.SOCIAL_ECONOMY: 10,
            PlacementType.VOCATIONAL_TRAINING: 10,
            PlacementType.LOCAL_SERVICE_ECONOMY: 5,
            PlacementType.WIJK_WERKEN: 5,
            PlacementType.VOLUNTEERING: 5,
            PlacementType.AMA: 5,
        },
    ),
}

# For a programme added to the catalogue without a profile of its own.
_DEFAULT_PROFILE = _PROFILES["WWB-ESF"]
_DEFAULT_SIZE = 150  # the size assumed for a programme whose article gives none
_RUNNING_BOOST = 2.0  # programmes running at the horizon carry today's caseload
_REFERRAL_STOP_DAYS = 30  # a programme takes no referrals in its last month
_RETURN_SHARE = 0.06  # trajectories of a participant seen before
_CASELOAD = 20  # open trajectories per coach (the fidelity benchmark)

_BRUSSELS_POSTCODES = ("1000", "1030", "1080", "1210")
_WALLOON_POSTCODES = ("1300", "7700", "4000")

_GIVEN_NAMES: Mapping[Gender, tuple[str, ...]] = {
    Gender.F: (
        "Emma", "Louise", "Marie", "Elise", "Lotte", "Julie", "Hanne", "Lien",
        "Sarah", "Laura", "Fien", "Noor", "Amber", "Yasmine", "Fatima", "Sofie",
        "Kim", "Nathalie", "Ines", "Jana", "Lore", "Eline", "Charlotte", "Zeynep",
    ),
    Gender.M: (
        "Lucas", "Louis", "Arthur", "Noah", "Liam", "Jules", "Wout", "Thomas",
        "Pieter", "Jonas", "Bram", "Stijn", "Kevin", "Dries", "Mohamed", "Yusuf",
        "Ayoub", "Milan", "Senne", "Robbe", "Lars", "Tim", "Jeroen", "Mathias",
    ),
}  # fmt: skip
_FAMILY_NAMES = (
    "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes",
    "Goossens", "Wouters", "De Smet", "Vermeulen", "Van den Broeck", "Hermans",
    "Aerts", "Pauwels", "Verstraete", "De Clercq", "Claeys", "Desmet", "Van Damme",
    "De Backer", "Michiels", "Vandenberghe", "Lemmens", "Cools", "Dierickx",
    "Verhoeven", "El Amrani", "Bakkali", "Yilmaz", "Demir", "Kowalski",
)  # fmt: skip

_EMPLOYERS: Mapping[PlacementType, tuple[str, ...]] = {
    PlacementType.REGULAR_JOB: (
        "Bakkerij Van Hove", "Logistiek Schelde-Oost", "Tuincentrum De Linde",
        "Schrijnwerkerij Verstraete", "Garage Demuynck", "Brasserie 't Pleintje",
        "Schoonmaakbedrijf Net & Fris", "Distributiecentrum Leiedal",
        "Metaalbewerking Callens", "Supermarkt Buurtwinkel Noord",
    ),
    PlacementType.REGULAR_JOB_WITH_SUPPORT: (
        "Drukkerij Vanneste", "Woonzorgcentrum Ter Beke", "Hotel De Zwaan",
        "Groendienst Vande Walle", "Wasserij Blanco",
    ),
    PlacementType.SUPPORTED_UNPAID: (
        "Dierenasiel De Ark", "Kinderboerderij Het Hof", "Woonzorgcentrum Ter Beke",
        "Gemeentelijke bibliotheek", "Sporthal De Meersen", "Kringwinkel Zuid",
    ),
    PlacementType.SOCIAL_ECONOMY: (
        "Maatwerkbedrijf De Loods", "Maatwerkbedrijf Atelier West",
        "Kringwinkel Zuid", "Groenatelier De Boomgaard",
    ),
    PlacementType.LOCAL_SERVICE_ECONOMY: (
        "Buurtdiensten Klusjesdienst", "Strijkatelier De Plooi",
    ),
    PlacementType.WIJK_WERKEN: ("Wijk-werkorganisatie", "OCMW Wijk-werken"),
    PlacementType.WORK_EXPERIENCE: (
        "OCMW Technische dienst", "Lokaal bestuur Groendienst",
        "Woonzorgcentrum Ter Beke",
    ),
    PlacementType.INTERNSHIP: (
        "Bakkerij Van Hove", "Garage Demuynck", "Tuincentrum De Linde",
        "Kinderdagverblijf 't Nestje",
    ),
    PlacementType.VOCATIONAL_TRAINING: (
        "VDAB Competentiecentrum", "Syntra opleiding", "Opleidingscentrum Logistiek",
    ),
    PlacementType.FORMAL_EDUCATION: (
        "Centrum voor Volwassenenonderwijs", "Centrum voor Deeltijds Onderwijs",
    ),
    PlacementType.VOLUNTEERING: (
        "Voedselbank", "Sociaal restaurant De Kom", "Jeugdhuis Den Tap",
    ),
    PlacementType.AMA: ("Dagcentrum De Brug", "Atelier Handwerk"),
    PlacementType.SELF_EMPLOYMENT: ("Eigen zaak",),
}  # fmt: skip

_PAID = frozenset(
    {
        PlacementType.REGULAR_JOB,
        PlacementType.REGULAR_JOB_WITH_SUPPORT,
        PlacementType.SELF_EMPLOYMENT,
        PlacementType.SOCIAL_ECONOMY,
        PlacementType.LOCAL_SERVICE_ECONOMY,
        PlacementType.WORK_EXPERIENCE,
    }
)
_HOURS: Mapping[PlacementType, tuple[float, ...]] = {
    PlacementType.REGULAR_JOB: (19.0, 24.0, 30.4, 38.0, 38.0),
    PlacementType.REGULAR_JOB_WITH_SUPPORT: (15.2, 19.0, 24.0, 30.4),
    PlacementType.SELF_EMPLOYMENT: (20.0, 30.0, 40.0),
    PlacementType.SOCIAL_ECONOMY: (19.0, 24.0, 30.4, 38.0),
    PlacementType.LOCAL_SERVICE_ECONOMY: (19.0, 24.0, 30.4),
    PlacementType.WORK_EXPERIENCE: (30.4, 38.0),
    PlacementType.SUPPORTED_UNPAID: (8.0, 12.0, 16.0, 20.0, 24.0),
    PlacementType.INTERNSHIP: (16.0, 24.0, 38.0),
    PlacementType.VOCATIONAL_TRAINING: (20.0, 30.0, 38.0),
    PlacementType.FORMAL_EDUCATION: (15.0, 20.0, 28.0),
    PlacementType.VOLUNTEERING: (4.0, 6.0, 8.0, 12.0),
    PlacementType.AMA: (8.0, 12.0, 16.0),
    PlacementType.WIJK_WERKEN: (8.0, 12.0, 16.0),
}
# The ladder rung each kind of placement lifts a participant towards.
_RUNG_OF: Mapping[PlacementType, int] = {
    PlacementType.REGULAR_JOB: 6,
    PlacementType.SELF_EMPLOYMENT: 6,
    PlacementType.REGULAR_JOB_WITH_SUPPORT: 5,
    PlacementType.SOCIAL_ECONOMY: 5,
    PlacementType.LOCAL_SERVICE_ECONOMY: 5,
    PlacementType.WORK_EXPERIENCE: 5,
    PlacementType.SUPPORTED_UNPAID: 4,
    PlacementType.INTERNSHIP: 4,
    PlacementType.VOLUNTEERING: 4,
    PlacementType.AMA: 4,
    PlacementType.WIJK_WERKEN: 4,
    PlacementType.VOCATIONAL_TRAINING: 3,
    PlacementType.FORMAL_EDUCATION: 3,
}
_DESTINATION_OF: Mapping[PlacementType, Destination] = {
    PlacementType.REGULAR_JOB: Destination.EMPLOYED,
    PlacementType.REGULAR_JOB_WITH_SUPPORT: Destination.EMPLOYED,
    PlacementType.SELF_EMPLOYMENT: Destination.SELF_EMPLOYED,
    PlacementType.SOCIAL_ECONOMY: Destination.SUPPORTED_EMPLOYMENT,
    PlacementType.LOCAL_SERVICE_ECONOMY: Destination.SUPPORTED_EMPLOYMENT,
    PlacementType.WORK_EXPERIENCE: Destination.EMPLOYED,
    PlacementType.SUPPORTED_UNPAID: Destination.SUPPORTED_EMPLOYMENT,
    PlacementType.AMA: Destination.SUPPORTED_EMPLOYMENT,
    PlacementType.WIJK_WERKEN: Destination.OTHER,
    PlacementType.INTERNSHIP: Destination.OTHER,
    PlacementType.VOCATIONAL_TRAINING: Destination.EDUCATION_TRAINING,
    PlacementType.FORMAL_EDUCATION: Destination.EDUCATION_TRAINING,
    PlacementType.VOLUNTEERING: Destination.VOLUNTEERING,
}
_EXIT_STATUS_OF: Mapping[Destination, Mapping[ExitStatus, float]] = {
    Destination.EMPLOYED: {ExitStatus.EMPLOYED: 9, ExitStatus.UNKNOWN: 1},
    Destination.SELF_EMPLOYED: {ExitStatus.SELF_EMPLOYED: 9, ExitStatus.UNKNOWN: 1},
    Destination.SUPPORTED_EMPLOYMENT: {
        ExitStatus.EMPLOYED: 4,
        ExitStatus.INACTIVE: 4,
        ExitStatus.UNKNOWN: 1,
    },
    Destination.EDUCATION_TRAINING: {
        ExitStatus.IN_EDUCATION: 8,
        ExitStatus.JOB_SEARCHING: 1,
        ExitStatus.UNKNOWN: 1,
    },
    Destination.VOLUNTEERING: {ExitStatus.INACTIVE: 6, ExitStatus.JOB_SEARCHING: 3},
    Destination.OTHER: {
        ExitStatus.JOB_SEARCHING: 5,
        ExitStatus.INACTIVE: 3,
        ExitStatus.UNKNOWN: 2,
    },
}
_DROPOUT_EXIT_STATUS: Mapping[ExitStatus, float] = {
    ExitStatus.UNKNOWN: 5,
    ExitStatus.JOB_SEARCHING: 3,
    ExitStatus.INACTIVE: 3,
    ExitStatus.EMPLOYED: 1,
}
# How a status observed earlier tends to move by the next observation.
_NEXT_STATUS: Mapping[ExitStatus, Mapping[ExitStatus, float]] = {
    ExitStatus.EMPLOYED: {
        ExitStatus.EMPLOYED: 8,
        ExitStatus.JOB_SEARCHING: 1,
        ExitStatus.UNKNOWN: 1,
    },
    ExitStatus.SELF_EMPLOYED: {ExitStatus.SELF_EMPLOYED: 9, ExitStatus.UNKNOWN: 1},
    ExitStatus.IN_EDUCATION: {
        ExitStatus.IN_EDUCATION: 6,
        ExitStatus.EMPLOYED: 2,
        ExitStatus.JOB_SEARCHING: 1,
        ExitStatus.UNKNOWN: 1,
    },
    ExitStatus.JOB_SEARCHING: {
        ExitStatus.JOB_SEARCHING: 5,
        ExitStatus.EMPLOYED: 3,
        ExitStatus.INACTIVE: 1,
        ExitStatus.UNKNOWN: 1,
    },
    ExitStatus.INACTIVE: {
        ExitStatus.INACTIVE: 7,
        ExitStatus.JOB_SEARCHING: 1,
        ExitStatus.UNKNOWN: 2,
    },
    ExitStatus.UNKNOWN: {
        ExitStatus.UNKNOWN: 6,
        ExitStatus.JOB_SEARCHING: 2,
        ExitStatus.EMPLOYED: 1,
        ExitStatus.INACTIVE: 1,
    },
}
_DECLINE_REASONS: Mapping[DeclineReason, float] = {
    DeclineReason.NOT_REACHED: 35,
    DeclineReason.REFUSED: 25,
    DeclineReason.INELIGIBLE: 15,
    DeclineReason.NO_CAPACITY: 15,
    DeclineReason.DUPLICATE: 10,
}
_DROPOUT_REASONS: Mapping[DropoutReason, float] = {
    DropoutReason.LOST_CONTACT: 30,
    DropoutReason.WITHDREW: 15,
    DropoutReason.MENTAL_HEALTH: 12,
    DropoutReason.PHYSICAL_HEALTH: 8,
    DropoutReason.CARE_DUTIES: 6,
    DropoutReason.MOVED: 6,
    DropoutReason.NEEDS_NOT_MET: 6,
    DropoutReason.NON_COMPLIANCE: 5,
    DropoutReason.ADDICTION: 4,
    DropoutReason.INELIGIBLE_AFTER_INTAKE: 3,
    DropoutReason.DETENTION: 2,
    DropoutReason.OTHER: 2.5,
    DropoutReason.DECEASED: 0.5,
}
_DROPOUT_WHEN_SUSPENDED: Mapping[SuspensionReason, DropoutReason] = {
    SuspensionReason.HOSPITALISATION: DropoutReason.PHYSICAL_HEALTH,
    SuspensionReason.DETENTION: DropoutReason.DETENTION,
    SuspensionReason.CARE: DropoutReason.CARE_DUTIES,
    SuspensionReason.WAITING_LIST: DropoutReason.NEEDS_NOT_MET,
}
_SUSPENSION_REASONS: Mapping[SuspensionReason, float] = {
    SuspensionReason.HOSPITALISATION: 4,
    SuspensionReason.CARE: 3,
    SuspensionReason.WAITING_LIST: 2,
    SuspensionReason.DETENTION: 1,
}
_PLACEMENT_END_REASONS: Mapping[PlacementEndReason, float] = {
    PlacementEndReason.CONTRACT_ENDED: 35,
    PlacementEndReason.PARTICIPANT_LEFT: 20,
    PlacementEndReason.CONVERTED_TO_REGULAR_CONTRACT: 15,
    PlacementEndReason.DISMISSED: 10,
    PlacementEndReason.HEALTH: 10,
    PlacementEndReason.OTHER: 10,
}
_SETTINGS: Mapping[SessionSetting, float] = {
    SessionSetting.OFFICE: 45,
    SessionSetting.OUTREACH: 15,
    SessionSetting.HOME: 10,
    SessionSetting.ONLINE: 10,
}
_NOTES: Mapping[SessionMode, tuple[str, ...]] = {
    SessionMode.INDIVIDUAL: (
        "Opvolggesprek: voortgang en afspraken overlopen.",
        "Vacatures samen bekeken.",
        "CV en motivatiebrief bijgewerkt.",
        "Sollicitatiegesprek voorbereid.",
        "Administratie en documenten in orde gebracht.",
        "Doelen voor de komende weken vastgelegd.",
        "Vervoer naar het werk besproken.",
    ),
    SessionMode.GROUP: (
        "Groepssessie rond solliciteren.",
        "Groepssessie over werkattitudes.",
    ),
    SessionMode.JOB_WORKSHOP: (
        "Jobatelier: sollicitatietraining.",
        "Jobatelier: kennismaking met een werkgever.",
    ),
    SessionMode.DIALOGUE_TABLE: ("Dialoogtafel met werkgevers en deelnemers.",),
}
_WORKPLACE_NOTE = "Opvolging op de werkvloer met de werkgever."
_REOPEN_REASONS = (
    "Nieuwe ondersteuning gevraagd na het verlies van de job.",
    "Deelnemer neemt opnieuw contact op en wil verder.",
    "Begeleiding op de werkvloer opnieuw nodig.",
)
_RETRACT_REASONS = (
    "Sessie in het verkeerde dossier ingegeven.",
    "Sessie dubbel ingegeven.",
    "Afspraak ging niet door, per vergissing geregistreerd.",
)


def _competitive(placements: list[_Placement]) -> bool:
    return any(p.placement_type in COMPETITIVE_PLACEMENT_TYPES for p in placements)


def _dropout_share(seed: SeedProgramme, placed: bool) -> float:
    """Dropout is half as likely once placed; the overall share stays the seed's."""
    if placed:
        return seed.dropout_rate / 2
    unplaced = 1 - seed.placement_rate
    if unplaced <= 0:
        return 0.0
    share = seed.dropout_rate * (1 - seed.placement_rate / 2) / unplaced
    return min(0.95, share)


def _pick(rng: random.Random, weights: Mapping[T, float]) -> T:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _days(rng: random.Random, low: int, high: int) -> timedelta:
    return timedelta(days=rng.randint(low, high))


def _workday(day: date, earliest: date = date.min, latest: date = date.max) -> date:
    """The day itself if it is a weekday; else the Monday after, or the Friday before
    when that Monday is after ``latest``, or the day itself if neither fits."""
    if day.weekday() < 5:
        return day
    monday = day + timedelta(days=7 - day.weekday())
    friday = day - timedelta(days=day.weekday() - 4)
    if monday <= latest:
        return monday
    return friday if friday >= earliest else day


def _years_before(day: date, years: int) -> date:
    return add_months(day, -12 * years)


def _national_register_number(rng: random.Random, birth: date, gender: Gender) -> str:
    """Well-formed, with a counter from 901 to 997 (odd for men, even for women):
    counters that high are rarely issued, so the number is unlikely to be anyone's."""
    counter = rng.randrange(901, 998, 2)
    if gender is Gender.F or (gender is not Gender.M and rng.random() < 0.5):
        counter -= 1
    first = f"{birth:%y%m%d}{counter:03d}"
    base = int(first) if birth.year < 2000 else int("2" + first)
    check = 97 - base % 97
    return f"{birth:%y.%m.%d}-{counter:03d}.{check:02d}"


def _ascii_name(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


# The generator ------------------------------------------------------------------------


@dataclass
class _Programme:
    seed: SeedProgramme
    stored: Programme
    profile: _Profile
    weight: float
    last_referral_on: date  # no later referrals: the horizon, or before the end
    closes_on: date | None  # when trajectories must have ended, if before the horizon
    coaches: tuple[str, ...]  # the article's, and invented ones for a bigger programme

    @property
    def code(self) -> str:
        return self.seed.code

    def age_fits(self, birth: date, on: date) -> bool:
        return self.stored.min_age <= age_on(birth, on) <= self.stored.max_age


@dataclass
class _Person:
    participant_id: uuid.UUID
    birth_date: date
    available_from: date  # a later referral comes after the earlier trajectory
    organisation: str  # whose dossiers hold the participant


@dataclass
class _Placement:
    placement_id: uuid.UUID
    placement_type: PlacementType
    ends_on: date | None  # planned end; None runs on past the exit
    ended: bool = False


@dataclass
class _Run:
    """What the generator knows of one trajectory while writing it."""

    trajectory_id: uuid.UUID
    programme: _Programme
    coach: str
    rung: int
    labour: LabourStatus
    education: EducationLevel
    disability: bool
    version: int = 1
    open_barriers: list[Barrier] = field(default_factory=list)
    placements: list[_Placement] = field(default_factory=list)
    sessions: dict[int, int] = field(default_factory=dict)  # per calendar year
    suspended: SuspensionReason | None = None
    resumes_on: date | None = None

    @property
    def current(self) -> list[_Placement]:
        return [p for p in self.placements if not p.ended]


def _programmes(
    app: Trajectories, horizon: date, trajectories: int
) -> list[_Programme]:
    """The seed programmes started by the horizon, each with its share of the
    trajectories and enough coaches to carry them."""
    programmes = []
    for seed in SEED_PROGRAMMES:
        stored = app.programme(seed.code)
        if stored.starts_on > horizon:
            continue
        running = stored.ends_on >= horizon
        last_referral_on = (
            horizon if running else stored.ends_on - timedelta(days=_REFERRAL_STOP_DAYS)
        )
        size = seed.expected_participants or _DEFAULT_SIZE
        programmes.append(
            _Programme(
                seed=seed,
                stored=stored,
                profile=_PROFILES.get(seed.code, _DEFAULT_PROFILE),
                weight=size**0.5 * (_RUNNING_BOOST if running else 1.0),
                last_referral_on=max(stored.starts_on, last_referral_on),
                closes_on=None if running else stored.ends_on,
                coaches=seed.coaches,
            )
        )
    total = sum(p.weight for p in programmes)
    for programme in programmes:
        years = (programme.last_referral_on - programme.stored.starts_on).days / 365
        # Trajectories stay open about a year: a programme's share of them, spread
        # over its years, is what its coaches carry at once.
        carried = trajectories * programme.weight / total / max(1.0, years)
        needed = math.ceil(carried / _CASELOAD)
        programme.coaches += _invented_coaches(needed - len(programme.coaches))
    return programmes


def _invented_coaches(count: int) -> tuple[str, ...]:
    """Coaches for programmes bigger than their articles tell: a given name and an
    initial, numbered once every pair is taken."""
    given = [name for pair in zip(*_GIVEN_NAMES.values(), strict=True) for name in pair]
    initials = sorted({family[0] for family in _FAMILY_NAMES})
    pairs = len(given) * len(initials)
    names = []
    for i in range(max(0, count)):
        name = f"{given[i % len(given)]} {initials[i // len(given) % len(initials)]}."
        names.append(name if i < pairs else f"{name} {i // pairs + 1}")
    return tuple(names)


class _Generator:
    def __init__(
        self,
        app: Trajectories,
        rng: random.Random,
        horizon: date,
        recorded_by: str,
        programmes: list[_Programme],
    ) -> None:
        self.app, self.rng, self.horizon, self.by = app, rng, horizon, recorded_by
        self.participants = 0
        self.events = 0
        self.returning: list[_Person] = []
        self.programmes = programmes

    # One trajectory ------------------------------------------------------------------

    def trajectory(self) -> None:
        if not self.programmes:
            raise ValueError(f"no seed programme has started by {self.horizon}")
        rng = self.rng
        programme = rng.choices(
            self.programmes, weights=[p.weight for p in self.programmes]
        )[0]
        first = programme.stored.starts_on
        span = (programme.last_referral_on - first).days
        last = programme.last_referral_on
        referral_on = _workday(first + _days(rng, 0, span), first, last)
        person = self._returning(programme) if rng.random() < _RETURN_SHARE else None
        if person is not None:
            earliest = max(first, person.available_from)
            referral_on = _workday(
                earliest + _days(rng, 0, (last - earliest).days), earliest, last
            )
        if (
            person is None
            or not programme.age_fits(person.birth_date, referral_on)
            or person.organisation not in programme.stored.organisations
        ):
            person = self._new_participant(programme, referral_on)
        source = rng.choices(
            list(programme.seed.referral_sources),
            weights=list(programme.seed.referral_sources.values()),
        )[0]
        trajectory = self.app.refer(
            participant_id=person.participant_id,
            programme=programme.code,
            organisation=person.organisation,
            referral_source=ReferralSource(source),
            on=referral_on,
            recorded_by=self.by,
        )
        ended_on = self._follow(trajectory.id, programme, referral_on)
        self.events += self.app.trajectory(trajectory.id).version
        if ended_on is not None and rng.random() < 0.2:
            person.available_from = ended_on + _days(rng, 60, 400)
            self.returning.append(person)

    def _returning(self, programme: _Programme) -> _Person | None:
        for index, person in enumerate(self.returning):
            if person.available_from <= programme.last_referral_on:
                return self.returning.pop(index)
        return None

    def _new_participant(self, programme: _Programme, referral_on: date) -> _Person:
        rng = self.rng
        low, high = programme.stored.min_age, programme.stored.max_age
        mode = min(max(programme.profile.age_mode, low), high)
        age = min(high, int(rng.triangular(low, high + 1, mode)))
        latest = _years_before(referral_on, age)  # the birthday on the referral date
        earliest = _years_before(referral_on, age + 1) + timedelta(days=1)
        birth = earliest + timedelta(days=rng.randint(0, (latest - earliest).days))
        assert age_on(birth, referral_on) == age
        gender = _pick(
            rng, {Gender.F: 46, Gender.M: 52, Gender.X: 1, Gender.UNKNOWN: 1}
        )
        names = (
            _GIVEN_NAMES.get(gender) or _GIVEN_NAMES[rng.choice((Gender.F, Gender.M))]
        )
        given, family = rng.choice(names), rng.choice(_FAMILY_NAMES)
        number = (
            _national_register_number(rng, birth, gender)
            if rng.random() < 0.6
            else None
        )
        email = (
            f"{_ascii_name(given)}.{_ascii_name(family)}{rng.randint(1, 99)}"
            "@example.org"
            if rng.random() < 0.5
            else None
        )
        phone = (
            f"+32 4{rng.randint(60, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
            f" {rng.randint(10, 99)}"
            if rng.random() < 0.6
            else None
        )
        organisation = rng.choice(programme.stored.organisations)
        participant = self.app.register_participant(
            organisation=organisation,
            given_name=given,
            family_name=family,
            birth_date=birth,
            gender=gender,
            national_register_number=number,
            email=email,
            phone=phone,
            recorded_by=self.by,
        )
        self.participants += 1
        return _Person(participant.id, birth, referral_on, organisation)

    def _follow(
        self, trajectory_id: uuid.UUID, programme: _Programme, referral_on: date
    ) -> date | None:
        """Writes what follows the referral; returns the date it ended, if it did."""
        rng, profile = self.rng, programme.profile
        limit = programme.closes_on or self.horizon  # last date inside the programme
        if rng.random() < profile.decline:
            declined_on = _workday(referral_on + _days(rng, 1, 40))
            if declined_on > limit:
                if programme.closes_on is None:
                    return None  # not declined yet
                declined_on = limit
            self.app.decline_referral(
                trajectory_id,
                on=declined_on,
                reason=_pick(rng, _DECLINE_REASONS),
                recorded_by=self.by,
            )
            return declined_on
        low, high, mode = profile.intake_days
        wait = timedelta(days=round(rng.triangular(low, high, mode)))
        intake_on = _workday(referral_on + wait)
        if intake_on > limit:
            if programme.closes_on is None:
                return None  # still waiting for the intake
            declined_on = _workday(
                referral_on + _days(rng, 0, (limit - referral_on).days),
                referral_on,
                limit,
            )
            self.app.decline_referral(
                trajectory_id,
                on=declined_on,
                reason=DeclineReason.NO_CAPACITY,
                recorded_by=self.by,
            )
            return declined_on
        run = self._intake(trajectory_id, programme, intake_on)
        return self._guide(run, intake_on, reopened=False)

    def _intake(
        self, trajectory_id: uuid.UUID, programme: _Programme, on: date
    ) -> _Run:
        rng, profile = self.rng, programme.profile
        barriers: list[Barrier] = []
        candidates = dict(profile.barriers)
        for _ in range(_pick(rng, {0: 2, 1: 4, 2: 4, 3: 2, 4: 1})):
            barrier = _pick(rng, candidates)
            barriers.append(barrier)
            del candidates[barrier]
        if rng.random() < 0.95:
            postcode = rng.choice(profile.postcodes)
        elif rng.random() < 0.8:
            postcode = rng.choice(_BRUSSELS_POSTCODES)
        else:
            postcode = rng.choice(_WALLOON_POSTCODES)
        run = _Run(
            trajectory_id=trajectory_id,
            programme=programme,
            coach=rng.choice(programme.coaches),
            rung=_pick(rng, profile.rungs),
            labour=_pick(rng, profile.labour),
            education=_pick(rng, profile.education),
            disability=rng.random() < profile.disability,
            open_barriers=list(barriers),
        )
        run.version = self.app.complete_intake(
            trajectory_id,
            on=on,
            coach=run.coach,
            rung=run.rung,
            labour_status=run.labour,
            education_level=run.education,
            barriers=barriers,
            disability=run.disability,
            postcode=postcode,
            recorded_by=self.by,
        )
        return run

    # Guidance from intake (or reopening) to exit --------------------------------------

    def _guide(self, run: _Run, start: date, *, reopened: bool) -> date | None:
        rng, seed, profile = self.rng, run.programme.seed, run.programme.profile
        limit = run.programme.closes_on or self.horizon
        low, high = (1, 6) if reopened else profile.months
        planned_exit = _workday(
            add_months(start, rng.randint(low, high)) + _days(rng, 0, 27)
        )
        placed = rng.random() < seed.placement_rate
        dropout = rng.random() < _dropout_share(seed, placed)
        if dropout:
            share = rng.uniform(0.2, 0.9)
            planned_exit = _workday(
                start + timedelta(days=round((planned_exit - start).days * share))
            )
        programme_ended = planned_exit > limit and run.programme.closes_on is not None
        if programme_ended:
            planned_exit = _workday(max(start, limit - _days(rng, 0, 14)), start, limit)
        stop = min(planned_exit, limit)
        guided = (planned_exit - start).days
        next_placement = (
            start + timedelta(days=round(guided * rng.uniform(0.15, 0.6)))
            if placed
            else None
        )
        wanted_placements = _pick(rng, {1: 6, 2: 3, 3: 1}) if placed else 0
        suspension_on = (
            start + _days(rng, 30, max(30, min(guided - 30, 365)))
            if rng.random() < profile.suspension
            else None
        )
        coach_on = (
            start + _days(rng, 30, max(30, guided))
            if len(run.programme.coaches) > 1 and rng.random() < 0.1
            else None
        )
        retract_on = (
            start + _days(rng, 7, max(7, guided)) if rng.random() < 0.04 else None
        )
        correct = not reopened and rng.random() < 0.06
        started = 0  # placements started in this stretch of guidance
        next_assessment = start + _days(rng, 60, 150)
        day, first_step = start, True
        while True:
            if run.suspended is not None:
                assert run.resumes_on is not None
                if run.resumes_on > stop:
                    break
                day = run.resumes_on
                run.version = self.app.resume(
                    run.trajectory_id, on=day, reason=run.suspended, recorded_by=self.by
                )
                run.suspended = run.resumes_on = None
            else:
                day = _workday(day + _days(rng, *profile.session_days))
                if day > stop:
                    break
            self._end_placements(run, day)
            session = self._session(run, day)
            if session is not None and retract_on is not None and day >= retract_on:
                run.version = self.app.retract_entry(
                    run.trajectory_id,
                    on=day,
                    version=session,
                    reason=rng.choice(_RETRACT_REASONS),
                    recorded_by=self.by,
                )
                run.sessions[day.year] -= 1
                retract_on = None
            if first_step and correct:
                self._correct(run, day)
            if day >= next_assessment:
                self._assess(run, day)
                next_assessment = day + _days(rng, 90, 180)
            self._barriers(run, day)
            if coach_on is not None and day >= coach_on:
                coach = rng.choice([c for c in run.programme.coaches if c != run.coach])
                run.version = self.app.assign_coach(
                    run.trajectory_id, on=day, coach=coach, recorded_by=self.by
                )
                run.coach, coach_on = coach, None
            if (
                next_placement is not None
                and day >= next_placement
                and started < wanted_placements
            ):
                started += 1
                last = started == wanted_placements
                ends_on = self._start_placement(run, day, keep=not dropout and last)
                next_placement = (ends_on or day) + _days(rng, 7, 60)
                if rng.random() < 0.1:  # a second placement alongside, now and then
                    next_placement = day + _days(rng, 14, 60)
            if (
                suspension_on is not None
                and day >= suspension_on
                and not _competitive(run.current)
                and day < stop
            ):
                run.suspended = _pick(rng, _SUSPENSION_REASONS)
                run.resumes_on = _workday(day + _days(rng, 21, 180))
                run.version = self.app.suspend(
                    run.trajectory_id, on=day, reason=run.suspended, recorded_by=self.by
                )
                suspension_on = None
            first_step = False
        if planned_exit > limit:
            return None  # still open at the horizon
        return self._exit(run, planned_exit, dropout, programme_ended, reopened)

    def _session(self, run: _Run, day: date) -> int | None:
        rng = self.rng
        cap = run.programme.stored.session_cap
        if cap is not None and run.sessions.get(day.year, 0) >= cap:
            return None
        mode = _pick(rng, run.programme.profile.modes)
        if mode is SessionMode.INDIVIDUAL:
            settings = dict(_SETTINGS)
            if run.current:
                settings[SessionSetting.WORKPLACE] = 40
            setting = _pick(rng, settings)
            minutes = rng.choice((30, 45, 60, 60, 60, 90))
        else:
            setting = rng.choice((SessionSetting.OFFICE, SessionSetting.OUTREACH))
            minutes = rng.choice((90, 120, 120, 150, 180))
        note = (
            _WORKPLACE_NOTE
            if setting is SessionSetting.WORKPLACE
            else rng.choice(_NOTES[mode])
        )
        run.version = self.app.hold_session(
            run.trajectory_id,
            on=day,
            minutes=minutes,
            mode=mode,
            setting=setting,
            note=note,
            recorded_by=self.by,
        )
        run.sessions[day.year] = run.sessions.get(day.year, 0) + 1
        return run.version

    def _correct(self, run: _Run, day: date) -> None:
        rng = self.rng
        choice = rng.choice(list(ProfileField)[:3] + [ProfileField.DISABILITY])
        value: object
        if choice is ProfileField.RUNG:
            run.rung = value = run.rung + 1 if run.rung < 4 else run.rung - 1
            reason = "Inschaling op de participatieladder herbekeken in het team."
        elif choice is ProfileField.LABOUR_STATUS:
            labour = [s for s in LabourStatus if s is not run.labour]
            run.labour = value = rng.choice(labour)
            reason = "Arbeidsmarktstatus nagekeken bij VDAB."
        elif choice is ProfileField.EDUCATION_LEVEL:
            levels = [e for e in EducationLevel if e is not run.education]
            run.education = value = rng.choice(levels)
            reason = "Diploma alsnog voorgelegd."
        else:
            run.disability = value = not run.disability
            reason = (
                "Attest ontvangen." if run.disability else "Attest niet meer geldig."
            )
        run.version = self.app.correct_entry_profile(
            run.trajectory_id,
            on=day,
            field=choice,
            value=value,
            reason=reason,
            recorded_by=self.by,
        )

    def _assess(self, run: _Run, day: date) -> None:
        rng = self.rng
        target = max((_RUNG_OF[p.placement_type] for p in run.current), default=0)
        if target > run.rung:
            run.rung = min(target, run.rung + rng.choice((1, 1, 2)))
        else:
            draw = rng.random()
            if draw < 0.35 and run.rung < 4:
                run.rung += 1
            elif draw > 0.9 and run.rung > 1 and not run.current:
                run.rung -= 1
        run.version = self.app.assess_ladder(
            run.trajectory_id, on=day, rung=run.rung, recorded_by=self.by
        )

    def _barriers(self, run: _Run, day: date) -> None:
        rng = self.rng
        for barrier in list(run.open_barriers):
            if rng.random() < 0.05:
                run.version = self.app.resolve_barrier(
                    run.trajectory_id, on=day, barrier=barrier, recorded_by=self.by
                )
                run.open_barriers.remove(barrier)
        if rng.random() < 0.02:
            barrier = _pick(rng, run.programme.profile.barriers)
            if barrier not in run.open_barriers:
                run.version = self.app.identify_barrier(
                    run.trajectory_id, on=day, barrier=barrier, recorded_by=self.by
                )
                run.open_barriers.append(barrier)

    def _start_placement(self, run: _Run, day: date, *, keep: bool) -> date | None:
        rng = self.rng
        kind = _pick(rng, run.programme.profile.placements)
        placement_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        ends_on = None if keep and rng.random() < 0.7 else day + _days(rng, 30, 270)
        run.version = self.app.start_placement(
            run.trajectory_id,
            placement_id=placement_id,
            on=day,
            placement_type=kind,
            employer=rng.choice(_EMPLOYERS[kind]),
            paid=kind in _PAID,
            hours_per_week=rng.choice(_HOURS[kind]),
            recorded_by=self.by,
        )
        run.placements.append(_Placement(placement_id, kind, ends_on))
        return ends_on

    def _end_placements(
        self,
        run: _Run,
        day: date,
        reason: PlacementEndReason | None = None,
        *,
        everything: bool = False,
    ) -> None:
        for placement in run.current:
            if everything or (
                placement.ends_on is not None and placement.ends_on <= day
            ):
                on = (
                    day
                    if everything or placement.ends_on is None
                    else placement.ends_on
                )
                run.version = self.app.end_placement(
                    run.trajectory_id,
                    placement_id=placement.placement_id,
                    on=on,
                    reason=reason or _pick(self.rng, _PLACEMENT_END_REASONS),
                    recorded_by=self.by,
                )
                placement.ended = True

    # Exit and after ------------------------------------------------------------------

    def _exit(
        self,
        run: _Run,
        on: date,
        dropout: bool,
        programme_ended: bool,
        reopened: bool,
    ) -> date | None:
        rng = self.rng
        self._end_placements(run, on)
        current = run.current
        if programme_ended and not dropout and not run.placements:
            dropout = rng.random() < 0.4
        dropout = dropout or run.suspended is not None
        if _competitive(current):
            dropout = False  # finding a job is a completion, never a dropout
        status: ExitStatus
        if dropout:
            if current:
                ended = (
                    PlacementEndReason.HEALTH
                    if run.suspended is SuspensionReason.HOSPITALISATION
                    else PlacementEndReason.PARTICIPANT_LEFT
                )
                self._end_placements(run, on, ended, everything=True)
            if run.suspended is not None:
                reason = _DROPOUT_WHEN_SUSPENDED[run.suspended]
            elif programme_ended:
                reason = DropoutReason.PROGRAMME_ENDED
            else:
                reason = _pick(rng, _DROPOUT_REASONS)
            run.version = self.app.drop_out(
                run.trajectory_id, on=on, reason=reason, recorded_by=self.by
            )
            status = _pick(rng, _DROPOUT_EXIT_STATUS)
        else:
            kinds = [p.placement_type for p in current] or [
                p.placement_type for p in run.placements[-1:]
            ]
            kinds.sort(key=lambda k: -_RUNG_OF[k])
            destination = (
                _DESTINATION_OF[kinds[0]]
                if kinds
                else _pick(
                    rng, {Destination.OTHER: 2, Destination.EDUCATION_TRAINING: 1}
                )
            )
            if current:
                self._assess(run, on)
            run.version = self.app.complete(
                run.trajectory_id, on=on, destination=destination, recorded_by=self.by
            )
            status = _pick(rng, _EXIT_STATUS_OF[destination])
        run.suspended = run.resumes_on = None
        observed_on = None
        if rng.random() < 0.85:
            last = min(on + timedelta(days=EXIT_RESULT_WINDOW_DAYS), self.horizon)
            observed_on = _workday(
                min(on + _days(rng, 0, EXIT_RESULT_WINDOW_DAYS), last), on, last
            )
            run.version = self.app.record_exit_result(
                run.trajectory_id,
                observed_on=observed_on,
                status=status,
                recorded_by=self.by,
            )
        limit = run.programme.closes_on or self.horizon
        if not reopened and rng.random() < 0.04:
            reopen_on = _workday((observed_on or on) + _days(rng, 7, 60))
            if reopen_on <= min(on + timedelta(days=REOPEN_WINDOW_DAYS), limit):
                run.version = self.app.reopen(
                    run.trajectory_id,
                    on=reopen_on,
                    reason=rng.choice(_REOPEN_REASONS),
                    recorded_by=self.by,
                )
                for placement in run.current:
                    if placement.ends_on is None:
                        placement.ends_on = reopen_on + _days(rng, 14, 120)
                return self._guide(run, reopen_on, reopened=True)
        for milestone, share in zip(FOLLOW_UP_MILESTONES, (0.8, 0.65), strict=True):
            observed_on = _workday(
                add_months(on, milestone) + _days(rng, -10, 20), latest=self.horizon
            )
            if observed_on > self.horizon:
                break
            status = _pick(rng, _NEXT_STATUS[status])
            if rng.random() < share:
                run.version = self.app.record_follow_up(
                    run.trajectory_id,
                    milestone=milestone,
                    observed_on=observed_on,
                    status=status,
                    recorded_by=self.by,
                )
        return on


DEVELOPMENT_ORGANISATION = "Werkburo Oost-Vlaanderen"  # runs BUSO-AALST in the demo


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
