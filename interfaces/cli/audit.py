"""For auditors: replaying a history, and verifying every chain of the store."""

import json
from datetime import date
from datetime import datetime
from typing import Annotated
from uuid import UUID

import typer

from application.audit.findings import Verification
from application.audit.replay import HistoryEntry
from application.audit.seal import InvalidSeal
from application.audit.seal import Seal
from domain.errors import DomainError
from interfaces.cli.common import err
from interfaces.cli.common import fail
from interfaces.cli.common import load_settings
from interfaces.cli.common import open_service
from interfaces.cli.common import out
from interfaces.cli.common import plain
from interfaces.cli.common import progress_bar


def replay(
    trajectory_id: Annotated[UUID, typer.Argument(help="the trajectory's id")],
    as_of_version: Annotated[
        int | None, typer.Option(help="show the state at this version")
    ] = None,
    as_of: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"],
            help="show the state as of this business date; later events are marked "
            "as not counted",
        ),
    ] = None,
    from_version: Annotated[
        int | None,
        typer.Option(min=1, help="with --to-version: what changed from this version"),
    ] = None,
    to_version: Annotated[
        int | None,
        typer.Option(min=1, help="with --from-version: ... to this one"),
    ] = None,
) -> None:
    """Print a trajectory's history and its state (now, at a version or as of a
    date), or what changed from one version to another and the events between."""
    if as_of_version is not None and as_of is not None:
        fail("give --as-of-version or --as-of, not both")
    if (from_version is None) != (to_version is None):
        fail("give --from-version and --to-version together")
    if from_version is not None and to_version is not None:
        if as_of_version is not None or as_of is not None:
            fail("--from-version and --to-version take no --as-of-version or --as-of")
        replay_diff(trajectory_id, from_version, to_version)
    else:
        replay_history(trajectory_id, as_of_version, as_of.date() if as_of else None)


def replay_history(
    trajectory_id: UUID, as_of_version: int | None, as_of: date | None
) -> None:
    service = open_service(load_settings())
    try:
        history = service.history(trajectory_id)
        if as_of_version is not None:
            state = service.trajectory_at_version(trajectory_id, as_of_version)
        elif as_of is not None:
            state = service.trajectory_as_of(trajectory_id, as_of)
        else:
            state = service.trajectory(trajectory_id)
    except DomainError as error:
        fail(error.message)
    finally:
        service.close()
    out.print(f"trajectory {trajectory_id}", style="bold", soft_wrap=True)
    for entry in history:
        if as_of_version is not None and entry.version > as_of_version:
            break
        after = as_of is not None and entry.business_date > as_of
        print_entry(entry, f"  [after {as_of}: not counted]" if after else "")
    moment = f"as of {as_of}" if as_of else f"at version {state.version}"
    summary = (
        f"state {moment}: stage {state.stage.value}, "
        f"coach {state.coach or '-'}, sessions {state.sessions_held}, "
        f"placements {len(state.placements)}, "
        f"rung {state.rung_at_intake or '-'} -> {state.latest_rung or '-'}"
    )
    out.print(summary, soft_wrap=True, highlight=False)


def replay_diff(trajectory_id: UUID, from_version: int, to_version: int) -> None:
    service = open_service(load_settings())
    try:
        diff = service.diff(trajectory_id, from_version, to_version)
    except DomainError as error:
        fail(error.message)
    finally:
        service.close()
    out.print(
        f"trajectory {trajectory_id} from version {from_version} to {to_version}",
        style="bold",
        soft_wrap=True,
    )
    for entry in diff.events:
        print_entry(entry)
    out.print("changed fields:" if diff.changes else "no field changed")
    for change in diff.changes:
        out.print(
            f"{change.field}: {plain(change.before)} -> {plain(change.after)}",
            soft_wrap=True,
            highlight=False,
            markup=False,
        )


def print_entry(entry: HistoryEntry, note: str = "") -> None:
    """The event's version, type, business date, recorder and time, then its data."""
    retracted = f"  [retracted by v{entry.retracted_by}]" if entry.retracted_by else ""
    out.print(
        f"v{entry.version} {entry.type} on {entry.business_date.isoformat()}, "
        f"recorded {entry.recorded_at.isoformat(timespec='seconds')} "
        f"by {entry.recorded_by}{retracted}{note}",
        soft_wrap=True,
        highlight=False,
        markup=False,
    )
    data = ", ".join(f"{k}={plain(v)}" for k, v in entry.data.items())
    out.print(f"    {data}", soft_wrap=True, highlight=False, markup=False)


def verify(
    as_json: Annotated[
        bool, typer.Option("--json", help="print the report as JSON")
    ] = False,
    seal: Annotated[
        str | None,
        typer.Option(
            help="a seal an earlier verification printed (POSITION:DIGEST): check "
            "that the store as of that position still gives it"
        ),
    ] = None,
) -> None:
    """Recompute every hash chain of the store. Exit 0 when every chain (and the
    kept seal) holds, 1 naming the first broken link of each broken history, 2 when
    it cannot verify."""
    try:
        kept_seal = Seal.parse(seal) if seal is not None else None
    except InvalidSeal as invalid:
        err.print(f"[bold red]error:[/] {invalid}", highlight=False)
        raise typer.Exit(code=2) from None
    try:
        service = open_service(load_settings())
    except typer.Exit:
        raise typer.Exit(code=2) from None
    try:
        with progress_bar(transient=True) as progress:
            task = progress.add_task("verifying", total=None)
            result = service.verify(
                progress=lambda done, total: progress.update(
                    task, completed=done, total=total
                ),
                kept_seal=kept_seal,
            )
    except Exception as error:  # the store went away, say: nothing was verified
        err.print(f"[bold red]error:[/] cannot verify: {error}", highlight=False)
        raise typer.Exit(code=2) from None
    finally:
        service.close()
    if as_json:
        print(json.dumps(result.as_dict(), indent=2))
    else:
        print_verification(result)
    raise typer.Exit(code=0 if result.intact else 1)


def print_verification(result: Verification) -> None:
    entries = result.access_log.entries if result.access_log else 0
    summary = (
        f"{result.events:,} events in {result.aggregates:,} histories, up to log "
        f"position {result.position:,}, {entries:,} access log entries, and the "
        f"snapshots of {result.snapshotted:,} histories against their replay, in "
        f"{result.seconds:.2f} s"
    )
    kept = result.kept_seal
    if kept is not None and result.kept_seal_holds:
        out.print(f"the kept seal holds: {kept}", highlight=False, soft_wrap=True)
    elif kept is not None:
        out.print(
            f"BROKEN: the store as of position {kept.position:,} no longer gives the "
            f"kept seal {kept}: events at or before it were changed, removed or "
            "added, or chains rewritten",
            highlight=False,
            soft_wrap=True,
        )
    out.print(
        f"seal: {result.seal} (keep it to check this moment later: --seal)",
        highlight=False,
        soft_wrap=True,
    )
    if result.intact:
        out.print(f"every chain holds: {summary}", highlight=False, soft_wrap=True)
        return
    access = result.access_log
    if access is not None and access.broken is not None:
        out.print(
            f"BROKEN access log at entry {access.broken.entry} "
            f"({access.broken.kind.value}): {access.broken.message}",
            highlight=False,
            soft_wrap=True,
        )
    for broken in result.broken:
        out.print(
            f"BROKEN {broken.aggregate_id} at version {broken.version} "
            f"({broken.kind.value}): {broken.message}",
            highlight=False,
            soft_wrap=True,
        )
        if broken.expected:
            out.print(f"    expected {broken.expected}", highlight=False)
        if broken.found:
            out.print(f"    found    {broken.found}", highlight=False)
    unlisted = result.broken_aggregates - len(result.broken)
    more = f" ({unlisted:,} not listed)" if unlisted else ""
    out.print(
        f"{result.broken_aggregates:,} of {result.aggregates:,} histories are "
        f"broken{more}: {summary}",
        highlight=False,
        soft_wrap=True,
    )
