"""Generations of a view: set-up by processes starting at once, and a switch that
never moves the view back."""

import threading

import pytest
from eventsourcing.persistence import Tracking

from application.projections.sql import GenerationBehind
from application.service import Trajectories
from application.settings import Settings
from application.views import Views
from tests.service_builders import referred as refer
from tests.service_builders import register_buso_programme


def referred(service: Trajectories) -> None:
    if not service.programmes():
        register_buso_programme(service)
    refer(service)


def test_processes_setting_up_the_views_at_once_all_succeed(
    database_url: str,
) -> None:
    services = [Trajectories(Settings(database_url=database_url)) for _ in range(4)]
    start = threading.Barrier(len(services))
    failures: list[BaseException] = []

    def set_up(service: Trajectories) -> None:
        start.wait()
        try:
            Views(service)
        except BaseException as error:  # noqa: BLE001 (collected for the assert)
            failures.append(error)

    threads = [threading.Thread(target=set_up, args=(s,)) for s in services]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for service in services:
        service.close()

    assert failures == []


def test_a_generation_behind_the_live_one_is_not_switched_to(
    service: Trajectories,
) -> None:
    referred(service)
    views = Views(service)
    view = views.outcomes.view
    generation = view.new_generation()
    head = views.source.head()
    view.load(generation, [], Tracking(service.name, head))
    referred(service)
    views.catch_up()  # the live generation moves past the new one

    with pytest.raises(GenerationBehind):
        view.switch(generation)

    assert view.active() == 1
    assert view.position() == views.source.head()


def test_a_rebuild_catches_up_before_it_switches(service: Trajectories) -> None:
    referred(service)
    views = Views(service)
    views.catch_up()

    report = views.rebuild("outcomes")

    assert report.generation == 2
    assert views.outcomes.view.position() == views.source.head()
    assert len(list(views.outcomes.view.rows())) == 1
