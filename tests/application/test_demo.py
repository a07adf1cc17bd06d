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

from application.demo import DemoSummary, load_demo
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
