"""Shared by the commands: the consoles, failing with a message, and opening the
store and the views with the same ``TRAJECTORY_*`` settings as the server."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from typing import NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn
from rich.progress import MofNCompleteColumn
from rich.progress import Progress
from rich.progress import ProgressColumn
from rich.progress import TimeElapsedColumn

from application.migrations import SchemaTooNew
from application.privacy.keys import MasterKeyError
from application.service import Trajectories
from application.settings import Settings
from application.settings import SettingsProblems
from application.settings import UnsupportedDatabaseURL
from application.storage import SchemaNotReady
from application.views import Views
from domain.errors import DomainError
from domain.trajectory import Placement

# Messages are never wrapped by the console: a terminal wraps them, and a pipe or a
# file gets each message on one line, whatever the width the console guesses.
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def progress_bar(*columns: ProgressColumn, transient: bool = False) -> Progress:
    """A progress bar on stderr: what is done, of how many, and the time it took."""
    return Progress(
        *Progress.get_default_columns()[:-1],
        BarColumn(),
        MofNCompleteColumn(),
        *columns,
        TimeElapsedColumn(),
        console=err,
        transient=transient,
    )


def fail(message: str) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=1)


def plain(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(plain(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {plain(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Placement):
        return "(" + ", ".join(f"{k}={plain(v)}" for k, v in vars(value).items()) + ")"
    return str(getattr(value, "value", value))


def load_settings(**overrides: Any) -> Settings:
    try:
        settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
        settings.library_env()
    except ValidationError as invalid:
        fail(
            "invalid settings:\n"
            + "\n".join(
                f"  - TRAJECTORY_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}"
                for e in invalid.errors()
            )
        )
    except UnsupportedDatabaseURL as invalid:
        fail(f"invalid settings: {invalid}")
    return settings


def open_service(settings: Settings, *, keys: bool = True) -> Trajectories:
    try:
        return Trajectories(settings, keys=keys)
    except (MasterKeyError, SettingsProblems, SchemaNotReady, SchemaTooNew) as error:
        fail(str(error))
    except Exception as error:  # any connection failure, named for the operator
        fail(f"cannot open the store at {settings.safe_database_url}: {error}")


def open_views(service: Trajectories) -> Views:
    try:
        return Views(service)
    except Exception as error:
        service.close()
        fail(f"cannot set up the views: {error}")


@contextmanager
def figures() -> Iterator[Views]:
    """The views, rebuilt where stale and caught up, of a store opened without the
    master key (figures hold no personal data); a refusal ends the command with its
    message."""
    service = open_service(load_settings(), keys=False)
    try:
        views = open_views(service)
        views.rebuild_stale()
        views.catch_up()
        yield views
    except DomainError as error:
        fail(error.message)
    finally:
        service.close()
