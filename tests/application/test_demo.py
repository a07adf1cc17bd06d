"""The demo generator: counts, every stage, no future dates, the same data per seed.

Each store is a SQLite file under tmp_path: two ``sqlite:///:memory:`` services open
in one process share one database (the URL maps to a shared-cache memory database),
so they would not be two fresh stores.
"""

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from application.demo import (
    DemoSummary,
    _invented_coaches,
    load_demo,
    load_demo_in_parallel,
)
from application.settings import Settings
from application.trajectories import Trajectories
from domain.vocabulary import Stage

# A date when four of the five seed programmes ran, so open trajectories of every
# stage exist; a fixed horizon also keeps these data the same whatever today is.
MID_2023 = date(2023, 6, 30)


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
        programmes=5,
        participants=len({t.participant_id for t in trajectories}),
        trajectories=40,
        events=len(entries),
    )
    assert len(ids) == 40 and summary.participants <= 40
    assert len(app.programmes()) == 5
    today = date.today()
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
    assert len(app.programmes()) == 5
    assert len(trajectory_ids(app)) == 3


def test_every_stage_occurs_and_the_same_seed_gives_the_same_histories(
    stores: list[Trajectories],
) -> None:
    first, second = (
        load_demo(app, trajectories=40, seed=7, horizon=MID_2023) for app in stores
    )

    assert first == second
    stages = {stores[0].trajectory(t).stage for t in trajectory_ids(stores[0])}
    assert stages == set(Stage)
    loaded = histories(stores[0])
    assert len(loaded) == 40
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


def test_a_big_programme_gets_coaches_enough_for_caseloads_of_about_twenty() -> None:
    invented = _invented_coaches(2_000)

    assert len(set(invented)) == 2_000
    assert invented[:2] == ("Emma A.", "Lucas A.")


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
    finally:
        service.close()

    assert parallel == one
    assert sorted(written, key=repr) == sorted(histories(stores[0]), key=repr)
