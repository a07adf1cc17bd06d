"""The benchmarks' console, on stderr so the figures printed on stdout stay apart:
the status of a step while it runs, and the progress bar of a long one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn
from rich.progress import MofNCompleteColumn
from rich.progress import Progress
from rich.progress import TimeElapsedColumn

console = Console(stderr=True, soft_wrap=True)


@contextmanager
def status(message: str) -> Iterator[None]:
    with console.status(message):
        yield


def progress_bar() -> Progress:
    """What is done, of how much, and for how long."""
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )
