"""Loading demo data into a development store."""

import os
from datetime import datetime
from typing import Annotated

import typer

from interfaces.cli.common import fail
from interfaces.cli.common import load_settings
from interfaces.cli.common import open_service
from interfaces.cli.common import out
from interfaces.cli.common import progress_bar
from interfaces.demo.loading import checked_horizon
from interfaces.demo.loading import load_demo
from interfaces.demo.loading import load_demo_in_parallel


def demo(
    trajectories: Annotated[
        int, typer.Option(min=1, help="how many trajectories to generate")
    ] = 300,
    seed: Annotated[
        int, typer.Option(help="the same seed (and horizon) gives the same data")
    ] = 1,
    horizon: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"],
            help="the load date: the last business date generated, on which the "
            "running programmes have their present (default: today)",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="processes writing at once (default: one per core on PostgreSQL, "
            "one on SQLite); the data are the same whatever their number",
        ),
    ] = None,
) -> None:
    """Register the seed programmes and generate realistic synthetic trajectories."""
    try:
        on = checked_horizon(trajectories, horizon.date() if horizon else None)
    except ValueError as error:
        fail(str(error))
    settings = load_settings()
    if settings.production:
        fail("TRAJECTORY_ENV=production: a production store gets no demo data")
    if workers is None:
        workers = (os.cpu_count() or 1) if settings.is_postgres else 1
    with progress_bar() as progress:
        task = progress.add_task("trajectories", total=trajectories)
        if workers == 1:
            service = open_service(settings)
            try:
                summary = load_demo(
                    service,
                    trajectories=trajectories,
                    seed=seed,
                    horizon=on,
                    progress=lambda n: progress.advance(task, n),
                )
            finally:
                service.close()
        else:
            open_service(settings).close()  # fail fast, with a clear message
            summary = load_demo_in_parallel(
                settings,
                trajectories=trajectories,
                seed=seed,
                horizon=on,
                workers=workers,
                progress=lambda n: progress.advance(task, n),
            )
    out.print(
        f"{summary.programmes} programmes, {summary.participants} participants, "
        f"{summary.trajectories} trajectories, {summary.events} events"
    )
