"""Finding participants at 100,000 participants: part of a name, a birth date, a
national register number, through the application's search (the sealed index, then
each candidate opened with their own key, then their trajectories from the caseload
view: what GET /participants does) and over HTTP, each beside the plainest SQL that
reads the same rows.

    .venv/bin/python -m bench search --trajectories 20000   # in `make bench`'s run
    .venv/bin/python -m bench.search --sqlite               # the same on SQLite

The store gets the demo history first (``--trajectories``), then as many more
participants as it takes to hold ``--participants`` (100,000), registered through
the application in batches of 500 (``Trajectories.batch``: one transaction each, as
the demo writes them), from one process per core on PostgreSQL.

Each figure is ``--repeat`` searches, each for another participant drawn at random
(seeded), as an auditor (every organisation: the most rows to look through):

- name: a given name's first three letters and a family name's first five ("lot
  claes"), what a coach types;
- family name: a whole family name alone: many people share one, so the search
  opens its limit of candidates (100) and says it is incomplete;
- birth date; national register number (the whole, as digits).

The baseline is what the database does alone for the same answer: the index query
that gives the candidates, the SELECT of the candidates' events, and the SELECT of
the page's trajectories from the caseload view, timed together. Target: p99 under
200 ms at 100,000 participants.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx

from application.access import Role
from application.privacy.index import stored_id
from application.search import MAX_CANDIDATES
from application.search import ParticipantQuery
from application.service import Trajectories
from application.settings import Settings
from application.views import Views
from bench.figures import Latencies
from domain.commands import RegisterParticipant
from domain.participant import Participant
from domain.vocabulary import Gender

PARTICIPANTS = 100_000
BATCH = 500
TARGET_P99 = 0.200  # s
ORGANISATIONS = ("Werkburo Oost-Vlaanderen", "Groep Intro vzw", "Arktos", "Emino")
GIVEN = (
    "Lotte Emma Noor Lina Elise Marie Sara Fien Amira Ines Hanne Jana Louise Zoë "
    "Yasmine Fatima Nora Lien Julie Eline Milan Lucas Arne Wout Robbe Kobe Daan "
    "Jens Tibo Senne Ayoub Yusuf Mohamed Bram Pieter Thomas Jonas Stijn Lars Kevin"
).split()
FAMILY = (
    "Peeters Janssens Maes Jacobs Mertens Willems Claes Goossens Wouters De_Smet "
    "Dubois Hermans Aerts Michiels Smets Lambrechts Pauwels Vermeulen Desmet "
    "De_Backer Van_Damme Cools Dierickx Verstraete El_Amrani Demir Yilmaz Benali "
    "Haddad Kowalski Vandenberghe Van_den_Broeck Lemmens Verhoeven Bakkali Claeys"
).split()


# Registering participants ------------------------------------------------------------


def synthetic(number: int, seed: int) -> tuple[RegisterParticipant, str]:
    """The ``number``-th synthetic participant (the same for a seed) and the
    organisation whose dossiers hold them."""
    rng = random.Random(f"{seed}:{number}")
    born = date(1960, 1, 1) + timedelta(days=rng.randrange(365 * 48))
    first_nine = f"{born:%y%m%d}{number % 997 + 1:03d}"
    base = int(first_nine) if born.year < 2000 else int("2" + first_nine)
    registration = RegisterParticipant(
        given_name=rng.choice(GIVEN),
        family_name=rng.choice(FAMILY).replace("_", " "),
        birth_date=born,
        gender=rng.choice((Gender.F, Gender.M)),
        national_register_number=f"{first_nine}{97 - base % 97:02d}",
    )
    return registration, rng.choice(ORGANISATIONS)


def _register_range(settings: Settings, numbers: Sequence[int], seed: int) -> int:
    app = Trajectories(settings)
    try:
        for start in range(0, len(numbers), BATCH):
            with app.batch():
                for number in numbers[start : start + BATCH]:
                    registration, organisation = synthetic(number, seed)
                    app.register_participant(
                        registration, organisation=organisation, recorded_by="bench"
                    )
    finally:
        app.close()
    return len(numbers)


def top_up(settings: Settings, participants: int, workers: int, seed: int) -> int:
    """Registers synthetic participants until the store holds ``participants``;
    how many it registered (the batches spread over ``workers`` processes)."""
    app = Trajectories(settings)
    try:
        held = len(app.search.reader.registered())
    finally:
        app.close()
    missing = list(range(held, participants))
    if not missing:
        return 0
    if workers <= 1:
        return _register_range(settings, missing, seed)
    chunks = [missing[i : i + BATCH] for i in range(0, len(missing), BATCH)]
    shares = [
        [n for chunk in chunks[w::workers] for n in chunk] for w in range(workers)
    ]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        done = pool.map(_register_range, [settings] * workers, shares, [seed] * workers)
        return sum(done)


# Measuring ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    name: str
    ours: Latencies
    raw: Latencies
    found: float  # participants found per search, on average
    complete: float  # share of searches that opened every candidate


@dataclass(frozen=True)
class SearchRun:
    participants: int
    registered_now: int
    registering_seconds: float
    figures: list[Figure]
    http: Latencies | None = None
    http_raw: Latencies | None = None


def longest(name: str) -> str:
    return max(name.split(), key=len)


def queries_for(people: Sequence[Participant]) -> dict[str, list[ParticipantQuery]]:
    return {
        "name (3 letters of the given name, 5 of the family name)": [
            ParticipantQuery(name=f"{p.given_name[:3]} {longest(p.family_name)[:5]}")
            for p in people
        ],
        "a whole family name alone": [
            ParticipantQuery(name=p.family_name) for p in people
        ],
        "birth date": [ParticipantQuery(birth_date=p.birth_date) for p in people],
        "national register number": [
            ParticipantQuery(national_number=p.national_register_number)
            for p in people
            if p.national_register_number
        ],
    }


def sample(app: Trajectories, count: int, seed: int) -> list[Participant]:
    ids = app.search.reader.registered()
    chosen = random.Random(seed).sample(ids, min(count * 2, len(ids)))
    opened = app.search.reader.open(chosen)
    people = [p for p in opened.values() if not p.erased and p.birth_date]
    return people[:count]


def cycling(calls: Sequence[Callable[[], Any]]) -> Callable[[], Any]:
    """One call after the other, round and round: each timing another search."""
    position = [0]

    def call() -> Any:
        result = calls[position[0] % len(calls)]()
        position[0] += 1
        return result

    return call


class RawSearch:
    """What the database does for a search, alone: the index query, the SELECT of
    the candidates' events, the SELECT of the page's trajectories."""

    def __init__(self, app: Trajectories, views: Views) -> None:
        self.app, self.tables = app, app.search_index.tables
        recorder: Any = app.recorder
        self.events = self.tables.name(recorder.events_table_name)
        self.caseload = views.caseload.view.name(views.caseload.view.table)

    def prepared(self, query: ParticipantQuery) -> Callable[[], Any]:
        key = self.app.search_index.key(make=False)
        assert key is not None
        tokens = self.app.search_index.tokens(query.terms(), key)
        marks = ", ".join(["%s"] * len(tokens))
        index_sql = (
            f"SELECT participant_id FROM {self.app.search_index.table} "
            f"WHERE token IN ({marks}) GROUP BY participant_id HAVING count(*) = %s "
            "ORDER BY participant_id LIMIT %s"
        )

        def run() -> None:
            with self.tables.transaction() as sql:
                ids = [
                    UUID(str(row[0]))
                    for row in sql(index_sql, [*tokens, len(tokens), MAX_CANDIDATES])
                ]
                if not ids:
                    return
                id_marks = ", ".join(["%s"] * len(ids))
                sql(
                    "SELECT originator_id, originator_version, topic, state FROM "
                    f"{self.events} WHERE originator_id IN ({id_marks})",
                    [stored_id(self.tables, i) for i in ids],
                )
                page = ids[: query.limit]
                sql(
                    f"SELECT * FROM {self.caseload} WHERE participant_id IN "
                    f"({', '.join(['%s'] * len(page))})",
                    [str(i) for i in page],
                )

        return run


def searching(
    app: Trajectories,
    views: Views,
    query: ParticipantQuery,
    answers: list[tuple[int, bool]],
) -> Callable[[], None]:
    """A search as GET /participants makes it (without HTTP), noting its answer."""

    def run() -> None:
        page = app.find_participants(query, None)
        views.trajectories_of([p.id for p in page.participants])
        answers.append((page.total, page.complete))

    return run


def measure(app: Trajectories, views: Views, repeat: int, seed: int) -> list[Figure]:
    """Each kind of search, ``repeat`` times for other people, as an auditor."""
    people = sample(app, repeat, seed)
    raw = RawSearch(app, views)
    figures = []
    for name, queries in queries_for(people).items():
        answers: list[tuple[int, bool]] = []
        searches = [searching(app, views, q, answers) for q in queries]
        ours = Latencies.of(cycling(searches), len(queries))
        baseline = Latencies.of(
            cycling([raw.prepared(q) for q in queries]), len(queries)
        )
        measured = answers[-len(queries) :]
        figures.append(
            Figure(
                name,
                ours,
                baseline,
                sum(total for total, _ in measured) / len(measured),
                sum(complete for _, complete in measured) / len(measured),
            )
        )
    return figures


def measure_http(
    app: Trajectories, base_url: str, repeat: int, seed: int
) -> tuple[Latencies, Latencies]:
    """GET /participants?name= for other people, as an auditor, beside the raw SQL
    of the same searches."""
    people = sample(app, repeat, seed + 1)
    queries = queries_for(people)[
        "name (3 letters of the given name, 5 of the family name)"
    ]
    _, secret = app.tokens.create(role=Role.AUDITOR, name="bench search")
    raw = RawSearch(app, Views(app))
    with httpx.Client(
        base_url=base_url, headers={"Authorization": f"Bearer {secret}"}, timeout=30
    ) as client:

        def get(query: ParticipantQuery) -> Callable[[], None]:
            def run() -> None:
                response = client.get("/participants", params={"name": query.name})
                if response.status_code != 200:
                    raise RuntimeError(f"GET /participants: {response.text[:300]}")

            return run

        http = Latencies.of(cycling([get(q) for q in queries]), len(queries))
    baseline = Latencies.of(cycling([raw.prepared(q) for q in queries]), len(queries))
    return http, baseline


def measured(
    settings: Settings, registered: int, seconds: float, repeat: int, seed: int
) -> SearchRun:
    """The searches, once ``registered`` participants were added in ``seconds``."""
    app = Trajectories(settings)
    try:
        views = Views(app)
        views.catch_up()
        held = len(app.search.reader.registered())
        figures = measure(app, views, repeat, seed)
    finally:
        app.close()
    return SearchRun(held, registered, seconds, figures)


def run_search(
    settings: Settings, participants: int, workers: int, repeat: int, seed: int
) -> SearchRun:
    started = time.perf_counter()
    registered = top_up(settings, participants, workers, seed)
    return measured(settings, registered, time.perf_counter() - started, repeat, seed)


# The lines of `python -m bench` ----------------------------------------------------


def lines(run: SearchRun) -> list[tuple[str, str, str, str, str, bool | None]]:
    """The figures as the benchmark's table shows them: (figure, ours, baseline,
    ratio, target, met)."""
    rate = run.registered_now / max(run.registering_seconds, 1e-9)
    found: list[tuple[str, str, str, str, str, bool | None]] = [
        (
            f"search: participants registered to reach {run.participants:,} "
            "(batches of 500, through the application)",
            f"{run.registered_now:,} in {run.registering_seconds:.1f} s, {rate:,.0f}/s",
            "—",
            "—",
            "",
            None,
        )
    ]
    for figure in run.figures:
        complete = (
            "" if figure.complete == 1 else f", the limit of {MAX_CANDIDATES} opened"
        )
        found.append(
            (
                f"search: {figure.name}, among {run.participants:,} participants "
                f"({figure.found:,.1f} found{complete})",
                f"p50 {ms(figure.ours.p50)}, p99 {ms(figure.ours.p99)}",
                f"p50 {ms(figure.raw.p50)}, p99 {ms(figure.raw.p99)} (SQL: index, "
                "candidates' events, their trajectories)",
                f"{figure.ours.p50 / figure.raw.p50:,.2f} ×",
                f"p99 < {ms(TARGET_P99)}",
                figure.ours.p99 < TARGET_P99,
            )
        )
    return found


def http_line(
    http: Latencies, raw: Latencies, participants: int
) -> tuple[str, str, str, str, str, bool | None]:
    return (
        f"search: GET /participants?name= (3 + 5 letters), {participants:,} "
        "participants",
        f"p50 {ms(http.p50)}, p99 {ms(http.p99)}",
        f"p50 {ms(raw.p50)}, p99 {ms(raw.p99)} (the same searches' SQL)",
        f"{http.p50 / raw.p50:,.2f} ×",
        f"p99 < {ms(TARGET_P99)}",
        http.p99 < TARGET_P99,
    )


# On SQLite, alone ------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def print_table(title: str, run: SearchRun) -> None:
    print()
    print(title)
    print()
    print(
        "| search (as an auditor) | ours p50 / p99 | raw SQL p50 / p99 | p99 ratio "
        "| found per search | target | |"
    )
    print("|---|---|---|---|---|---|---|")
    for figure in run.figures:
        met = "met" if figure.ours.p99 < TARGET_P99 else "**MISSED**"
        print(
            f"| {figure.name} | {ms(figure.ours.p50)} / {ms(figure.ours.p99)} "
            f"| {ms(figure.raw.p50)} / {ms(figure.raw.p99)} "
            f"| {figure.ours.p99 / figure.raw.p99:,.1f} × | {figure.found:,.1f}"
            f"{'' if figure.complete == 1 else ' (incomplete)'} "
            f"| p99 < {ms(TARGET_P99)} | {met} |"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.search", description=(__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument("--sqlite", action="store_true", help="on a SQLite file")
    parser.add_argument("--participants", type=int, default=PARTICIPANTS)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if not args.sqlite:
        parser.error("on PostgreSQL the search is one of `python -m bench`'s figures")
    with tempfile.TemporaryDirectory(prefix="bench_search_") as folder:
        settings = Settings(database_url=f"sqlite:///{folder}/search.db")
        run = run_search(settings, args.participants, 1, args.repeat, args.seed)
        size = os.path.getsize(f"{folder}/search.db")
    rate = run.registered_now / max(run.registering_seconds, 1e-9)
    print(
        f"SQLite, {run.participants:,} participants registered in "
        f"{run.registering_seconds:.0f} s ({rate:,.0f}/s), {size / 2**20:,.0f} MiB; "
        f"{args.repeat} searches of each kind",
        file=sys.stderr,
    )
    print_table(f"Search on SQLite, {run.participants:,} participants", run)
    return 1 if any(f.ours.p99 >= TARGET_P99 for f in run.figures) else 0


if __name__ == "__main__":
    sys.exit(main())
