"""The ``trajectory`` command; it reads the same ``TRAJECTORY_*`` settings."""

import logging
from typing import Annotated, Any, NoReturn
from uuid import UUID

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from application.demo import load_demo
from application.settings import Settings, UnsupportedDatabaseURL
from application.trajectories import Trajectories
from domain.errors import DomainError

app = typer.Typer(
    help="Record and replay trajectories to work.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)


def fail(message: str) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code=1)


def plain(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(plain(v) for v in value) + "]"
    return str(getattr(value, "value", value))


def load_settings(**overrides: Any) -> Settings:
    try:
        settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
        settings.library_env()
    except (ValidationError, UnsupportedDatabaseURL) as invalid:
        fail(f"invalid settings: {invalid}")
    return settings


def open_service(settings: Settings) -> Trajectories:
    try:
        return Trajectories(settings)
    except Exception as error:  # any connection failure, named for the operator
        fail(f"cannot open the store at {settings.safe_database_url}: {error}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="default TRAJECTORY_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="default TRAJECTORY_PORT")] = None,
) -> None:
    """Serve the HTTP API (docs at /docs)."""
    import uvicorn

    from interfaces.http.app import create_app

    settings = load_settings(host=host, port=port)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(message)s")
    open_service(settings).close()  # fail fast, with a clear message
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port)


@app.command()
def replay(
    trajectory_id: Annotated[UUID, typer.Argument(help="the trajectory's id")],
    as_of_version: Annotated[
        int | None, typer.Option(help="show the state at this version")
    ] = None,
) -> None:
    """Print a trajectory's history and its state (now or at a version)."""
    service = open_service(load_settings())
    try:
        history = service.history(trajectory_id)
        if as_of_version is None:
            state = service.trajectory(trajectory_id)
        else:
            state = service.trajectory_at_version(trajectory_id, as_of_version)
    except DomainError as error:
        fail(error.message)
    finally:
        service.close()
    out.print(f"trajectory {trajectory_id}", style="bold", soft_wrap=True)
    for entry in history:
        if as_of_version is not None and entry.version > as_of_version:
            break
        retracted = (
            f"  [retracted by v{entry.retracted_by}]" if entry.retracted_by else ""
        )
        out.print(
            f"v{entry.version} {entry.type} on {entry.business_date.isoformat()}, "
            f"recorded {entry.recorded_at.isoformat(timespec='seconds')} "
            f"by {entry.recorded_by}{retracted}",
            soft_wrap=True,
            highlight=False,
        )
        data = ", ".join(f"{k}={plain(v)}" for k, v in entry.data.items())
        out.print(f"    {data}", soft_wrap=True, highlight=False, markup=False)
    summary = (
        f"state at version {state.version}: stage {state.stage.value}, "
        f"coach {state.coach or '-'}, sessions {state.sessions_held}, "
        f"placements {len(state.placements)}, "
        f"rung {state.rung_at_intake or '-'} -> {state.latest_rung or '-'}"
    )
    out.print(summary, soft_wrap=True, highlight=False)


@app.command()
def demo(
    trajectories: Annotated[
        int, typer.Option(min=1, help="how many trajectories to generate")
    ] = 300,
    seed: Annotated[int, typer.Option(help="the same seed gives the same data")] = 1,
) -> None:
    """Register the seed programmes and generate realistic synthetic trajectories."""
    service = open_service(load_settings())
    try:
        with Progress(
            *Progress.get_default_columns()[:-1],
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
        ) as progress:
            task = progress.add_task("trajectories", total=trajectories)
            summary = load_demo(
                service,
                trajectories=trajectories,
                seed=seed,
                progress=lambda n: progress.advance(task, n),
            )
    finally:
        service.close()
    out.print(
        f"{summary.programmes} programmes, {summary.participants} participants, "
        f"{summary.trajectories} trajectories, {summary.events} events"
    )
