"""Instructions per event on the write path, counted by valgrind: a check of the CPU
a recorded event costs that does not move with how busy the machine is.

    .venv/bin/python -m bench.instructions            # `make instructions`
    .venv/bin/python -m bench.instructions --update   # a new budget, after a change
    .venv/bin/python -m bench.instructions --postgres # the same on PostgreSQL

The same workload (bench/instructions_workload.py: the FastAPI app in-process
through its test client, on SQLite in a temporary folder, no network and no
PostgreSQL; one trajectory set up as the load benchmark's clients set up theirs, and
a few sessions to warm up) runs twice under valgrind, side by side: once posting
--events SessionHeld events more, once none. Start-up, imports, the set-up and the
warm-up are the same in both, so they cancel out:

    instructions per event = (I_events - I_0) / events

valgrind's cachegrind without its cache simulation counts the instructions in about
a third of callgrind's time (the same count); --tool callgrind also keeps who called
whom, to see where the instructions went.

With --postgres the workload runs on the local PostgreSQL server instead (a schema
of its own per run, dropped after), which counts this process's side of the store
(psycopg, the pipeline, the group commit's queries) and not the server's: a figure to
compare two trees by, with no budget.

The figure is checked against the budget in bench/instructions.json: above the
budget times its allowed ratio, the check fails (exit 1). Without valgrind it is
skipped (exit 0), except under CI=true, where it fails. The counts repeat for the
same code, Python and libraries (the hash seed is fixed) whatever else the machine
is doing, to a few parts in a thousand (threads hand over the lock at moments that
differ); an intended change that costs more sets the new budget (--update) in the
same commit.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bench.options import DEFAULT_DATABASE_URL
from bench.options import is_postgres_url

BUDGET_FILE = Path(__file__).with_name("instructions.json")
ROOT = Path(__file__).resolve().parent.parent
EVENTS = 100  # posted in the measured run: two snapshots' worth
ALLOWED_RATIO = 1.5  # of the budget, before the check fails
TOOLS = ("cachegrind", "callgrind")
LOWER_AT = 0.8  # of the budget: below it, the run suggests a lower budget


# Counting -----------------------------------------------------------------------------


class CountFailed(RuntimeError):
    pass


def valgrind() -> str | None:
    return shutil.which("valgrind")


def workload(events: int, store: Path | str) -> list[str]:
    """The command that runs the workload in a process of its own, on SQLite in the
    folder ``store`` or on the PostgreSQL server at the URL ``store``."""
    return [
        sys.executable,
        "-m",
        "bench.instructions_workload",
        str(events),
        str(store),
    ]


def workload_env(scratch: Path) -> dict[str, str]:
    """This environment without the service's settings (a stray one would change
    what is measured), with one hash seed, so that dicts and sets lay out the same,
    and the compiled modules in a folder of the run's own: every run reads them
    compiled by the first, whatever the source tree's caches hold."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAJECTORY_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONHASHSEED"] = "0"
    env["PYTHONPYCACHEPREFIX"] = str(scratch / "pycache")
    return env


def warm(scratch: Path, postgres: str | None = None) -> None:
    """The workload once without valgrind: it must work, and it compiles the
    modules the counted runs import (so neither of them compiles any)."""
    folder = scratch / "warm"
    folder.mkdir()
    done = subprocess.run(
        workload(0, postgres or folder),
        cwd=ROOT,
        env=workload_env(scratch),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise CountFailed(f"the workload failed:\n{done.stderr[-3000:]}")


def start_counting(
    tool: str, events: int, scratch: Path, postgres: str | None = None
) -> subprocess.Popen[str]:
    folder = scratch / f"store-{events}"
    folder.mkdir()
    command = [
        valgrind() or "valgrind",
        f"--tool={tool}",
        "--quiet",
        f"--{tool}-out-file={scratch / f'{tool}.out.{events}'}",
    ]
    if tool == "cachegrind":
        command += ["--cache-sim=no", "--branch-sim=no"]
    return subprocess.Popen(
        command + workload(events, postgres or folder),
        cwd=ROOT,
        env=workload_env(scratch),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def instructions_in(out: Path) -> int:
    """The total of a cachegrind or callgrind output file (its ``summary:`` line)."""
    found = re.search(r"^summary:\s+(\d+)", out.read_text(), re.MULTILINE)
    if found is None:
        raise CountFailed(f"no summary line in {out}")
    return int(found.group(1))


@dataclass(frozen=True)
class Counted:
    events: int
    without: int  # instructions of the run that posts no events after the warm-up
    with_events: int  # instructions of the run that posts ``events`` more

    @property
    def per_event(self) -> float:
        return (self.with_events - self.without) / self.events


def count(
    tool: str,
    events: int,
    scratch: Path,
    *,
    parallel: bool = True,
    postgres: str | None = None,
) -> Counted:
    """Both runs under valgrind, side by side unless ``parallel`` is False (the
    counts are the same either way); their output files stay in ``scratch``. On
    SQLite, or on the PostgreSQL server at the URL ``postgres``."""
    warm(scratch, postgres)
    totals: dict[int, int] = {}
    pending = [0, events]
    running: list[tuple[int, subprocess.Popen[str]]] = []
    while pending or running:
        while pending and (parallel or not running):
            n = pending.pop(0)
            running.append((n, start_counting(tool, n, scratch, postgres)))
        n, process = running.pop(0)
        _, errors = process.communicate()
        if process.returncode != 0:
            raise CountFailed(
                f"valgrind --tool={tool} with {n} events exited with "
                f"{process.returncode}:\n{errors[-3000:]}"
            )
        totals[n] = instructions_in(scratch / f"{tool}.out.{n}")
    return Counted(events, totals[0], totals[events])


# The budget ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Budget:
    """What an event cost when the budget was last set, and how much more the check
    lets it cost."""

    instructions_per_event: int
    allowed_ratio: float
    events: int
    tool: str
    measured: str  # when, and with what

    @property
    def limit(self) -> float:
        return self.instructions_per_event * self.allowed_ratio

    @classmethod
    def read(cls, path: Path = BUDGET_FILE) -> Budget:
        return cls(**json.loads(path.read_text()))

    def write(self, path: Path = BUDGET_FILE) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")


def within(counted: Counted, budget: Budget) -> bool:
    return counted.per_event <= budget.limit


def measured_with(tool: str) -> str:
    version = subprocess.run(
        [valgrind() or "valgrind", "--version"], capture_output=True, text=True
    ).stdout.strip()
    return (
        f"{date.today()}, Python {platform.python_version()}, {version} "
        f"--tool={tool}, {platform.machine()}"
    )


# The command --------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.instructions",
        description=(__doc__ or "").split("\n\n")[0],
    )
    parser.add_argument(
        "--events",
        type=int,
        default=None,
        help=f"events posted in the measured run (default: the budget's, {EVENTS})",
    )
    parser.add_argument(
        "--tool",
        choices=TOOLS,
        default=None,
        help="valgrind's tool (default: the budget's); cachegrind without its "
        "cache simulation counts the same instructions in less time, callgrind "
        "also keeps who called whom, for callgrind_annotate or KCachegrind",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="keep valgrind's output files in this folder (for cg_annotate or "
        "callgrind_annotate: where the instructions went)",
    )
    parser.add_argument(
        "--one-at-a-time",
        action="store_true",
        help="run the two counted runs one after the other, not side by side",
    )
    parser.add_argument(
        "--update",
        action="store_true",
        help=f"write the count measured as the new budget ({BUDGET_FILE.name}), "
        "keeping its allowed ratio",
    )
    parser.add_argument(
        "--postgres",
        nargs="?",
        const=DEFAULT_DATABASE_URL,
        default=None,
        metavar="URL",
        help="count the workload on PostgreSQL (default server: "
        f"{DEFAULT_DATABASE_URL}, or TRAJECTORY_BENCH_DATABASE_URL), in a schema "
        "of its own per run; no budget is checked: compare two trees",
    )
    args = parser.parse_args(argv)
    if args.events is not None and args.events < 1:
        parser.error("--events must be at least 1")
    if args.postgres is not None and args.update:
        parser.error("--update sets the budget, which is SQLite's: not with --postgres")
    if args.postgres is not None and not is_postgres_url(args.postgres):
        parser.error(f"--postgres takes a postgresql:// URL, not {args.postgres!r}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if valgrind() is None:
        if in_ci():
            print("instructions per event: FAILED, valgrind is missing (CI=true)")
            return 1
        print("instructions per event: skipped, valgrind is not installed")
        return 0
    budget = Budget.read() if BUDGET_FILE.exists() else None
    events = args.events or (budget.events if budget else EVENTS)
    tool = args.tool or (budget.tool if budget else TOOLS[0])
    store = "SQLite" if args.postgres is None else "PostgreSQL"
    print(
        f"instructions per event: {events} SessionHeld events through the API "
        f"in-process ({store}), counted by valgrind --tool={tool}, against a run "
        "of none",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="bench_instructions_") as temporary:
        scratch = Path(temporary)
        try:
            counted = count(
                tool,
                events,
                scratch,
                parallel=not args.one_at_a_time,
                postgres=args.postgres,
            )
        except CountFailed as failure:
            print(f"instructions per event: FAILED to count: {failure}")
            return 1
        if args.out is not None:
            args.out.mkdir(parents=True, exist_ok=True)
            for out in scratch.glob(f"{tool}.out.*"):
                shutil.copy(out, args.out / out.name)
    print(f"  run with no events: {counted.without:,} instructions")
    print(f"  run with {events} events: {counted.with_events:,} instructions")
    print(f"  per event: {counted.per_event:,.0f} instructions")
    if args.postgres is not None:
        print("  on PostgreSQL: no budget to check (compare with another tree's count)")
        return 0
    if args.update:
        ratio = budget.allowed_ratio if budget else ALLOWED_RATIO
        new = Budget(round(counted.per_event), ratio, events, tool, measured_with(tool))
        new.write()
        print(f"  written to {BUDGET_FILE.name} as the budget (allowed {ratio:g} ×)")
        return 0
    if budget is None:
        print(f"  no budget in {BUDGET_FILE.name}: set one with --update")
        return 1
    return 0 if judged(counted, budget) else 1


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def judged(counted: Counted, budget: Budget) -> bool:
    """Prints the count against the budget; True when it is within it."""
    ratio = counted.per_event / budget.instructions_per_event
    print(
        f"  budget: {budget.instructions_per_event:,} per event ({budget.measured}); "
        f"this run {ratio:.2f} × it, allowed {budget.allowed_ratio:g} ×"
    )
    if counted.events != budget.events:
        print(
            f"  (the budget was counted with {budget.events} events, this run with "
            f"{counted.events}: an event costs more on a longer trajectory)"
        )
    if not within(counted, budget):
        print(
            "instructions per event: OVER BUDGET. If the change is meant to cost "
            "this, set the new budget (make instructions INSTRUCTIONS_ARGS=--update) "
            "and commit bench/instructions.json with it; if not, see where the "
            "instructions went: --tool callgrind --out FOLDER, then "
            "callgrind_annotate (docs/developers/benchmarks.md)"
        )
        return False
    if ratio < LOWER_AT:
        print(
            f"  well under the budget: lower it (--update) so that the check catches "
            f"a regression of {budget.allowed_ratio:g} × from here"
        )
    print("instructions per event: within budget")
    return True


if __name__ == "__main__":
    sys.exit(main())
