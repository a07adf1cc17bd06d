"""A stored history under a rule tightened after it was recorded: it loads, its views
project, its chains verify, and an event in it can still be retracted; only a new
command that breaks the rule is refused."""

from datetime import date
from uuid import UUID

import pytest

import domain.trajectory as trajectory_module
from application.service import Trajectories
from application.settings import Settings
from application.views import Views
from domain.commands import HoldSession
from domain.commands import RetractEntry
from domain.commands import StartPlacement
from domain.errors import HoursOutOfRange
from domain.vocabulary import PlacementType
from domain.vocabulary import SessionMode
from domain.vocabulary import SessionSetting
from tests.service_builders import register_buso_programme
from tests.service_builders import taken_in

EMPLOYER = "Bakkerij De Smet"


def placement(hours: float, on: date) -> StartPlacement:
    return StartPlacement(
        on=on,
        placement_type=PlacementType.REGULAR_JOB,
        employer=EMPLOYER,
        paid=True,
        hours_per_week=hours,
    )


def stored_history(url: str) -> tuple[UUID, int]:
    """A trajectory with a 50-hour placement and a session after it; the session's
    version."""
    service = Trajectories(Settings(database_url=url, snapshot_interval=3))
    try:
        register_buso_programme(service)
        trajectory_id = taken_in(service)
        service.record(
            trajectory_id, placement(50, date(2024, 3, 4)), recorded_by="Hilde"
        )
        session = HoldSession(
            on=date(2024, 3, 11),
            minutes=60,
            mode=SessionMode.INDIVIDUAL,
            setting=SessionSetting.WORKPLACE,
        )
        version = service.record(trajectory_id, session, recorded_by="Hilde").version
    finally:
        service.close()
    return trajectory_id, version


def test_a_history_stored_under_an_older_limit_reads_projects_and_retracts(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    trajectory_id, session = stored_history(database_url)
    monkeypatch.setattr(trajectory_module, "MAX_HOURS_PER_WEEK", 40.0)

    service = Trajectories(Settings(database_url=database_url, snapshot_interval=3))
    views = Views(service)
    try:
        loaded = service.trajectory(trajectory_id)
        views.rebuild_stale()
        views.catch_up()
        [row] = list(views.caseload.view.rows())
        verification = service.verify()
        retraction = RetractEntry(on=date(2024, 3, 12), version=session, reason="error")
        retracted = service.record(trajectory_id, retraction, recorded_by="Hilde")
        with pytest.raises(HoursOutOfRange):
            service.record(
                trajectory_id, placement(50, date(2024, 3, 18)), recorded_by="Hilde"
            )
    finally:
        views.stop()
        service.close()

    assert loaded.placements[0].hours_per_week == 50.0
    assert row.placements[0]["hours_per_week"] == 50.0
    assert verification.intact
    assert retracted.version == session + 1
