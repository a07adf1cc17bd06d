"""The demo generator: counts, every stage, no future dates, the same data per seed
and load date, and a present on any load date: programmes running, the staff token's
organisation with every caseload mark, exit results and follow-ups due.

Each store is a SQLite file under tmp_path: two ``sqlite:///:memory:`` services open
in one process share one database (the URL maps to a shared-cache memory database),
so they would not be two fresh stores.
"""

import hashlib
import json
import random
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterator
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import tzinfo
from pathlib import Path
from typing import Any
from typing import Self
from uuid import UUID

import pytest

from application.projections.caseload.queries import BENCHMARK
from application.projections.caseload.queries import CaseloadPage
from application.projections.caseload.queries import CaseloadQuery
from application.service import Trajectories
from application.settings import Settings
from application.views import Views
from domain import calendar
from domain.errors import EXIT_RESULT_WINDOW_DAYS
from domain.errors import FOLLOW_UP_WINDOW_DAYS
from domain.participant import check_national_register_number
from domain.trajectory import Trajectory
from domain.trajectory import add_months
from domain.vocabulary import FOLLOW_UP_MILESTONES
from domain.vocabulary import Gender
from domain.vocabulary import Stage
from interfaces.demo.coaches import invented_coaches
from interfaces.demo.draws import SERIALS_A_DAY
from interfaces.demo.draws import NationalNumbers
from interfaces.demo.loading import DEVELOPMENT_ORGANISATION
from interfaces.demo.loading import DemoSummary
from interfaces.demo.loading import load_demo
from interfaces.demo.loading import load_demo_in_parallel
from interfaces.demo.seeds import SEED_PROGRAMMES

# A date when five of the six seed programmes ran, so open trajectories of every
# stage exist; a fixed horizon also keeps these data the same whatever today is.
MID_2023 = date(2023, 6, 30)
# Load dates for the demo's present: one near this release, one years on.
LOAD_DATES = (date(2026, 12, 7), date(2031, 3, 14))


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[list[Trajectories]]:
    """Two fresh stores."""
    services = [
        Trajectories(Settings(database_url=f"sqlite:///{tmp_path}/{name}.db"))
        for name in ("a", "b")
    ]
    yield services
    for service in services:
        service.close()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[date], None]:
    """Sets the one clock (``domain.calendar.today``) to a given date: for the
    demo, the domain's rules and the caseload's marks alike."""

    def set_today(day: date) -> None:
        class Fixed(datetime):
            @classmethod
            def now(cls, tz: tzinfo | None = None) -> Self:
                return cls.combine(day, time(12), tz)

        monkeypatch.setattr(calendar, "datetime", Fixed)

    return set_today


def trajectory_ids(app: Trajectories) -> list[UUID]:
    """Every trajectory, in the order it was referred."""
    referrals = app.recorder.select_notifications(
        None, 1_000_000, topics=["trajectory:ReferralReceived"]
    )
    return [UUID(str(referral.originator_id)) for referral in referrals]


def histories(app: Trajectories) -> list[list[tuple[str, date, dict[str, Any]]]]:
    """Per trajectory, in order: each event's type, business date and values, less
    the participant id, which the application makes anew in each run."""
    return [
        [
            (
                entry.type,
                entry.business_date,
                {k: v for k, v in entry.data.items() if k != "participant_id"},
            )
            for entry in app.history(trajectory_id)
        ]
        for trajectory_id in trajectory_ids(app)
    ]


def test_a_load_up_to_today_counts_what_it_wrote_and_nothing_is_in_the_future(
    stores: list[Trajectories],
) -> None:
    app = stores[0]
    calls: list[int] = []

    summary = load_demo(app, trajectories=40, seed=7, progress=calls.append)

    ids = trajectory_ids(app)
    trajectories = [app.trajectory(t) for t in ids]
    entries = [entry for t in ids for entry in app.history(t)]
    assert calls == [1] * 40
    assert summary == DemoSummary(
        programmes=len(SEED_PROGRAMMES),
        participants=len({t.participant_id for t in trajectories}),
        trajectories=40,
        events=len(entries),
    )
    assert len(ids) == 40 and summary.participants <= 40
    assert len(app.programmes()) == len(SEED_PROGRAMMES) == 6
    today = calendar.today()
    assert max(entry.business_date for entry in entries) <= today
    assert all(
        app.participant(t.participant_id).birth_date < today for t in trajectories
    )
    assert {entry.recorded_by for entry in entries} == {"demo"}


def test_a_second_load_keeps_the_programmes_already_registered(
    stores: list[Trajectories],
) -> None:
    app = stores[0]
    load_demo(app, trajectories=0, seed=7)

    again = load_demo(app, trajectories=3, seed=8, recorded_by="demo-2")

    assert again.programmes == 0 and again.trajectories == 3
    assert len(app.programmes()) == len(SEED_PROGRAMMES)
    assert len(trajectory_ids(app)) == 3


def test_every_stage_occurs_and_the_same_seed_gives_the_same_histories(
    stores: list[Trajectories],
) -> None:
    first, second = (
        load_demo(app, trajectories=80, seed=7, horizon=MID_2023) for app in stores
    )

    assert first == second
    stages = {stores[0].trajectory(t).stage for t in trajectory_ids(stores[0])}
    assert stages == set(Stage)
    loaded = histories(stores[0])
    assert len(loaded) == 80
    assert max(on for history in loaded for _, on, _ in history) <= MID_2023
    assert loaded == histories(stores[1])
    assert trajectory_ids(stores[0]) != trajectory_ids(stores[1])


def test_a_horizon_after_today_is_refused(stores: list[Trajectories]) -> None:
    with pytest.raises(ValueError, match="in the future"):
        load_demo(stores[0], trajectories=1, seed=7, horizon=date(9999, 1, 1))


def test_blocks_written_apart_and_in_any_order_are_the_same_data(
    stores: list[Trajectories],
) -> None:
    whole = load_demo(
        stores[0], trajectories=35, seed=7, horizon=MID_2023, block_size=10
    )
    parts = [
        load_demo(
            stores[1],
            trajectories=35,
            seed=7,
            horizon=MID_2023,
            block_size=10,
            blocks=blocks,
        )
        for blocks in ([3, 1], [0, 2])
    ]

    assert sum(part.trajectories for part in parts) == whole.trajectories == 35
    assert sum(part.events for part in parts) == whole.events
    assert sorted(histories(stores[0]), key=repr) == sorted(
        histories(stores[1]), key=repr
    )


def test_a_block_that_is_not_one_of_the_load_is_refused(
    stores: list[Trajectories],
) -> None:
    with pytest.raises(ValueError, match="block 4 is not one of the 4 blocks"):
        load_demo(stores[0], trajectories=35, seed=7, block_size=10, blocks=[4])


def numbered(app: Trajectories) -> dict[UUID, str]:
    """Each participant referred in the store who has a national register number:
    the number, checked against their birth date (as the domain checks it)."""
    numbers = {}
    for trajectory_id in trajectory_ids(app):
        participant_id = app.trajectory(trajectory_id).participant_id
        p = app.participant(participant_id)
        if p.national_register_number is not None:
            assert p.birth_date is not None
            numbers[participant_id] = check_national_register_number(
                p.national_register_number, p.birth_date
            )
    return numbers


def test_no_two_people_of_a_load_share_a_national_register_number(
    stores: list[Trajectories],
) -> None:
    # Seed 11 at this size and block size drew one number in block 2 and again in
    # block 3 before numbers were dealt apart: two workers (blocks[i::2]) each
    # writing one of them into a store of its own gave it to two people.
    slices = [0, 2], [1, 3]
    for app, blocks in zip(stores, slices, strict=True):
        load_demo(
            app,
            trajectories=1_000,
            seed=11,
            horizon=MID_2023,
            block_size=250,
            blocks=blocks,
        )

    people = Counter(
        number for app in stores for number in numbered(app).values()
    )  # keyed by participant: a person referred again counts once
    assert sum(people.values()) > 500  # about 60% of the participants
    assert [n for n, count in people.items() if count > 1] == []


def test_a_block_deals_every_serial_of_a_birth_date_once_then_none() -> None:
    rng, birth = random.Random(3), date(2001, 2, 3)
    numbers = NationalNumbers()

    women = [numbers.draw(rng, birth, Gender.F) for _ in range(SERIALS_A_DAY)]
    men = [numbers.draw(rng, birth, Gender.M) for _ in range(SERIALS_A_DAY)]

    assert numbers.draw(rng, birth, Gender.F) is None  # no search without end
    assert numbers.draw(rng, birth, Gender.X) is None
    assert None not in women + men
    digits = [check_national_register_number(n, birth) for n in women + men if n]
    assert len(set(digits)) == 2 * SERIALS_A_DAY
    assert {int(d[6:9]) % 2 for d in digits[:SERIALS_A_DAY]} == {0}
    assert {int(d[6:9]) % 2 for d in digits[SERIALS_A_DAY:]} == {1}
    assert all(int(d[6:9]) >= 900 for d in digits[:40])  # the rarely issued first


@pytest.mark.parametrize("blocks", [1, 3, 60, 600])
def test_the_blocks_of_a_load_share_no_serial(blocks: int) -> None:
    births = [date(1999, 12, 31) + timedelta(days=d) for d in range(3)]
    dealt: Counter[str] = Counter()
    for block in range(blocks):
        numbers = NationalNumbers(block, blocks)
        rng = random.Random(block)
        for birth in births:
            for gender in (Gender.F, Gender.M):
                drawn = [numbers.draw(rng, birth, gender) for _ in range(20)]
                dealt.update(n for n in drawn if n is not None)

    assert max(dealt.values()) == 1
    # Each block draws 20 of each birth date and gender: it has them while it has
    # 20 serials of its own (up to 20 or so blocks); with more blocks, every serial
    # is one block's, and the blocks without one give no number.
    assert len(dealt) == 3 * 2 * min(SERIALS_A_DAY, 20 * blocks)


def test_a_big_programme_gets_coaches_enough_for_caseloads_of_about_twenty() -> None:
    invented = invented_coaches(2_000)

    assert len(set(invented)) == 2_000
    assert invented[:2] == ("Emma A.", "Lucas A.")


def running_on(app: Trajectories, day: date) -> list[str]:
    """The programmes that take referrals on ``day``, by their period then."""
    running = []
    for programme in app.programmes():
        ends_on = programme.ends_on_as_of(day)
        if programme.starts_on <= day and (ends_on is None or day <= ends_on):
            running.append(programme.code)
    return running


def staff_caseload(app: Trajectories) -> CaseloadPage:
    """The caseload the staff token of ``make run`` sees, as of today."""
    views = Views(app)
    try:
        views.catch_up()
        query = CaseloadQuery(organisation=DEVELOPMENT_ORGANISATION, limit=1_000)
        return views.caseload_page(query)
    finally:
        views.stop()


def staff_trajectories(app: Trajectories) -> list[Trajectory]:
    every = (app.trajectory(t) for t in trajectory_ids(app))
    return [t for t in every if t.organisation == DEVELOPMENT_ORGANISATION]


def due(trajectories: list[Trajectory], on: date) -> Counter[str]:
    """What coaches have still to record on ``on``: exit results and follow-ups
    whose window is open and that nobody recorded."""
    counts: Counter[str] = Counter()
    window = timedelta(days=FOLLOW_UP_WINDOW_DAYS)
    for t in trajectories:
        if t.exit_on is None:
            continue
        last = t.exit_on + timedelta(days=EXIT_RESULT_WINDOW_DAYS)
        if t.exit_result_on is None and on <= last:
            counts["exit result"] += 1
        for milestone in FOLLOW_UP_MILESTONES:
            due_on = add_months(t.exit_on, milestone)
            if str(milestone) not in t.follow_ups and abs(on - due_on) <= window:
                counts[f"{milestone}-month follow-up"] += 1
    return counts


def fingerprint(app: Trajectories) -> str:
    """A digest of what the demo stored: the programmes with their periods, and per
    trajectory, in order, the participant's details and each event's type, business
    date and values, less the ids the application makes; never a recorded time."""
    programmes = [
        (p.code, p.starts_on, [(x.since, x.ends_on, x.budget) for x in p.periods])
        for p in app.programmes()
    ]
    people = []
    for trajectory_id in trajectory_ids(app):
        p = app.participant(app.trajectory(trajectory_id).participant_id)
        people.append(
            (p.given_name, p.family_name, p.birth_date, p.gender)
            + (p.national_register_number, p.email, p.phone)
        )
    stored = [programmes, people, histories(app)]
    text = json.dumps(stored, default=str, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize("day", LOAD_DATES, ids=str)
def test_on_any_load_date_the_staff_organisation_has_a_live_caseload(
    stores: list[Trajectories], clock: Callable[[date], None], day: date
) -> None:
    clock(day)
    app = stores[0]

    load_demo(app, trajectories=60, seed=7)

    assert len(running_on(app, day)) >= 2
    page = staff_caseload(app)
    assert page.evaluated_on == day
    assert {e.alert for e in page.entries} >= {"amber", "red", "exit_candidate"}
    assert {e.stage for e in page.entries} == {"referred", "active", "suspended"}
    assert any(e.days_waiting_for_intake for e in page.entries)
    assert any(e.current_placement for e in page.entries)
    assert set(due(staff_trajectories(app), day)) == {
        "exit result",
        "6-month follow-up",
        "12-month follow-up",
    }
    entries = [entry for t in trajectory_ids(app) for entry in app.history(t)]
    assert max(entry.business_date for entry in entries) <= day


def test_the_same_seed_and_load_date_give_the_same_data(
    stores: list[Trajectories], clock: Callable[[date], None]
) -> None:
    clock(LOAD_DATES[0])

    for app in stores:
        load_demo(app, trajectories=60, seed=7)

    assert fingerprint(stores[0]) == fingerprint(stores[1])
    assert trajectory_ids(stores[0]) != trajectory_ids(stores[1])


def test_another_load_date_gives_other_data(
    stores: list[Trajectories], clock: Callable[[date], None]
) -> None:
    clock(LOAD_DATES[1])

    for app, day in zip(stores, LOAD_DATES, strict=True):
        load_demo(app, trajectories=60, seed=7, horizon=day)

    assert fingerprint(stores[0]) != fingerprint(stores[1])


def test_the_demo_of_make_run_gives_a_coach_a_screen_of_a_few_dozen(
    stores: list[Trajectories], clock: Callable[[date], None]
) -> None:
    day = LOAD_DATES[0]
    clock(day)
    app = stores[0]

    load_demo(app, trajectories=300, seed=1)  # as make run loads it

    page = staff_caseload(app)
    active = [total.active for total in page.coaches if total.coach is not None]
    assert 24 <= page.total <= 96
    assert max(active) > BENCHMARK and min(active) >= BENCHMARK - 5
    window = timedelta(days=EXIT_RESULT_WINDOW_DAYS)
    closed = [  # exits whose result can no longer be recorded
        t
        for t in staff_trajectories(app)
        if t.exit_on is not None and t.exit_on + window < day
    ]
    recorded = sum(t.exit_result_on is not None for t in closed)
    assert 0.7 * len(closed) <= recorded < len(closed)  # most on time, some missed


@pytest.mark.postgres
def test_workers_in_parallel_write_the_same_data_as_one_process(
    postgres_url: str, stores: list[Trajectories]
) -> None:
    one = load_demo(stores[0], trajectories=30, seed=5, horizon=MID_2023, block_size=10)
    settings = Settings(database_url=postgres_url)
    parallel = load_demo_in_parallel(
        settings,
        trajectories=30,
        seed=5,
        workers=2,
        horizon=MID_2023,
        block_size=10,
    )
    service = Trajectories(settings)
    try:
        written = histories(service)
        numbers = sorted(numbered(service).values())
    finally:
        service.close()

    assert parallel == one
    assert sorted(written, key=repr) == sorted(histories(stores[0]), key=repr)
    assert numbers == sorted(numbered(stores[0]).values())  # not the workers'
    assert len(set(numbers)) == len(numbers)
