"""The ``trajectory`` command; it reads the same ``TRAJECTORY_*`` settings."""

import getpass
import json
import logging
import os
import signal
import sys
import threading
import time
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn
from uuid import UUID

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from application.access import Role, TokenInfo
from application.audit.chain import InvalidSeal, Seal, Verification
from application.demo import load_demo, load_demo_in_parallel
from application.migrations import SchemaTooNew, latest
from application.privacy.keys import MasterKeyError, new_key_text, write_key_file
from application.projections.outcomes.queries import DIMENSIONS, OutcomeTable
from application.projections.view import RebuildInProgress
from application.settings import Settings, SettingsProblems, UnsupportedDatabaseURL
from application.storage import SchemaNotReady
from application.trajectories import HistoryEntry, Trajectories
from application.views import VIEW_NAMES, Views
from domain.errors import DomainError
from domain.trajectory import Placement
from interfaces.logs import configure_logging

app = typer.Typer(
    help="Record and replay trajectories to work.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)


HEARTBEAT_EVERY = 5.0  # seconds, for `trajectory project --heartbeat`
REPORT_EVERY = 60.0  # seconds between the projector's log lines on each view


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


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="default TRAJECTORY_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="default TRAJECTORY_PORT")] = None,
    projections: Annotated[
        bool | None,
        typer.Option(
            help="feed the views in this process (default "
            "TRAJECTORY_RUN_PROJECTIONS, on); off when `trajectory project` runs"
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="server processes (default TRAJECTORY_WORKERS, 1)"),
    ] = None,
) -> None:
    """Serve the HTTP API (docs at /docs in development), feeding the views
    in-process unless told not to. It sets up or migrates the schema first; on
    SIGTERM it stops taking requests, finishes those in flight (at most
    TRAJECTORY_SHUTDOWN_TIMEOUT seconds), commits what waits to be, and exits."""
    import uvicorn

    options = {
        "host": host,
        "port": port,
        "run_projections": projections,
        "workers": workers,
    }
    settings = load_settings(**options)
    configure_logging(settings)
    if settings.workers > 1 and settings.run_projections:
        fail(
            f"TRAJECTORY_WORKERS={settings.workers}: several server processes "
            "leave the views to `trajectory project`; set "
            "TRAJECTORY_RUN_PROJECTIONS=false (or --no-projections) and run it"
        )
    if settings.workers > 1 and settings.demo:
        fail("TRAJECTORY_DEMO loads demo data from one server process: set workers 1")
    open_service(settings).close()  # fail fast, with a clear message; migrates
    # Each worker reads the settings afresh: it gets the options as variables.
    for name, value in options.items():
        if value is not None:
            os.environ[f"TRAJECTORY_{name.upper()}"] = str(value)
    uvicorn.run(
        "interfaces.http.app:create_app_from_environment",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_config=None,  # our handler, set up by the factory in each worker
        access_log=False,  # ours logs route templates, not paths and queries
        timeout_graceful_shutdown=settings.shutdown_timeout,
    )


@app.command()
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


@app.command()
def migrate(
    grant_to: Annotated[
        str | None,
        typer.Option(
            help="on PostgreSQL, the database role the service will run as: it gets "
            "what the service needs and no DELETE, TRUNCATE or ownership"
        ),
    ] = None,
) -> None:
    """Set up the store's schema (run it as the schema's owner): tables, append-only
    triggers, hash chains (linking any events stored before them). It needs no
    master key: whoever sets up the schema need not hold it."""
    settings = load_settings()
    service = open_service(settings, keys=False)
    try:
        if not service.manages_schema:
            fail(
                "this database role does not own the stored events: run "
                "`trajectory migrate` as the schema's owner"
            )
        if grant_to is not None:
            service.grant_service_role(grant_to)
    except ValueError as refused:
        fail(str(refused))
    finally:
        service.close()
    granted = f"; {grant_to} may run the service" if grant_to else ""
    now = "".join(
        f"\n  applied version {m.version}: {m.description}"
        for m in service.migrated_now
    )
    out.print(
        f"the store at {settings.safe_database_url} is at schema version "
        f"{latest()}{granted}{now or ' (nothing to apply)'}",
        highlight=False,
    )


@app.command()
def erase(
    participant_id: Annotated[UUID, typer.Argument(help="the participant's id")],
    by: Annotated[
        str | None,
        typer.Option(help="who erases, as the history will show (default: cli:USER)"),
    ] = None,
) -> None:
    """Erase a participant's personal data: destroy their data key and record
    ParticipantErased, in one transaction. Their history stays complete and
    verifiable; erasing again records nothing."""
    service = open_service(load_settings())
    try:
        answer = service.erase_participant(
            participant_id, recorded_by=by or f"cli:{getpass.getuser()}"
        )
    except DomainError as error:
        fail(error.message)
    finally:
        service.close()
    if answer.replayed:
        print(f"participant {participant_id} was erased already; nothing recorded")
    else:
        print(f"erased participant {participant_id} (version {answer.version})")


@app.command()
def keygen(
    file: Annotated[
        Path | None,
        typer.Option(help="write it to this new file (readable by you only)"),
    ] = None,
) -> None:
    """Make a master key (32 random bytes, base64): for TRAJECTORY_MASTER_KEY, or a
    file for TRAJECTORY_MASTER_KEY_FILE. Printed, unless written to --file."""
    if file is None:
        print(new_key_text())
        return
    try:
        written = write_key_file(file)
    except OSError as error:
        fail(f"cannot write {file}: {error.strerror}")
    if not written:
        fail(f"{file} exists already; a key file is never overwritten")
    err.print(f"wrote a new master key to {file}", highlight=False)


@app.command("rotate-master-key")
def rotate_master_key() -> None:
    """Re-wrap every participant's data key with the configured master key, opening
    those wrapped by the previous one (TRAJECTORY_PREVIOUS_MASTER_KEY or _FILE), in
    one transaction, as the schema's owner. No event is touched. Afterwards the
    previous key can go."""
    settings = load_settings()
    service = open_service(settings)
    try:
        if not service.manages_schema:
            fail(
                "the service's database role may not change stored keys: run "
                "`trajectory rotate-master-key` as the schema's owner, like migrate"
            )
        rewrapped = service.keyring.rotate()
    except MasterKeyError as error:
        fail(str(error))
    finally:
        service.close()
    print(
        f"re-wrapped {rewrapped} data keys with master key {service.keyring.master.id}"
    )


@app.command()
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
        with Progress(
            *Progress.get_default_columns()[:-1],
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as progress:
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
    summary = (
        f"{result.events:,} events in {result.aggregates:,} histories, up to log "
        f"position {result.position:,}, and the snapshots of {result.snapshotted:,} "
        f"histories against their replay, in {result.seconds:.2f} s"
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
        out.print(f"every chain holds: {summary}", highlight=False)
        return
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
    )


@app.command()
def demo(
    trajectories: Annotated[
        int, typer.Option(min=1, help="how many trajectories to generate")
    ] = 300,
    seed: Annotated[int, typer.Option(help="the same seed gives the same data")] = 1,
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
    settings = load_settings()
    if settings.production:
        fail("TRAJECTORY_ENV=production: a production store gets no demo data")
    if workers is None:
        workers = (os.cpu_count() or 1) if settings.is_postgres else 1
    with Progress(
        *Progress.get_default_columns()[:-1],
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
    ) as progress:
        task = progress.add_task("trajectories", total=trajectories)
        if workers == 1:
            service = open_service(settings)
            try:
                summary = load_demo(
                    service,
                    trajectories=trajectories,
                    seed=seed,
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
                workers=workers,
                progress=lambda n: progress.advance(task, n),
            )
    out.print(
        f"{summary.programmes} programmes, {summary.participants} participants, "
        f"{summary.trajectories} trajectories, {summary.events} events"
    )


@app.command()
def project(
    heartbeat: Annotated[
        Path | None,
        typer.Option(
            help="touch this file every few seconds while the views are fed "
            "without failing (a container's health check reads its age)"
        ),
    ] = None,
) -> None:
    """Feed the views in this process alone (a second process or machine); stops on
    Ctrl-C or SIGTERM after the batch in hand is committed, resuming later from
    each view's tracking position. It sets up or migrates the schema first."""
    settings = load_settings()
    configure_logging(settings)
    log = logging.getLogger("trajectory.projections")
    service = open_service(settings)
    views = open_views(service)
    stopping, starting = threading.Event(), threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stopping.set())

    def beat() -> None:
        """Touches the heartbeat while the views are fed, or rebuilt at start-up
        (after an upgrade changed their columns), until the projector stops."""
        assert heartbeat is not None
        while not stopping.is_set():
            if starting.is_set() or views.runner.healthy(HEARTBEAT_EVERY * 4):
                heartbeat.touch()
            stopping.wait(HEARTBEAT_EVERY)

    starting.set()
    if heartbeat is not None:
        threading.Thread(target=beat, name="heartbeat", daemon=True).start()
    try:
        views.start()  # rebuilds a stale view first: SIGTERM waits for it
        starting.clear()
        log.info("feeding the views; Ctrl-C or SIGTERM stops")
        while not stopping.wait(REPORT_EVERY):
            for status in views.status():
                log.info(
                    "%s at %d of %d (lag %d)",
                    status.name,
                    status.position,
                    status.head,
                    status.lag,
                    extra={"view": status.name, "lag": status.lag},
                )
    finally:
        views.stop()
        service.close()
        log.info("stopped; the views resume from their tracking positions")


@app.command()
def rebuild(
    view: Annotated[str, typer.Argument(help=f"one of {', '.join(VIEW_NAMES)}")],
) -> None:
    """Rebuild a view into fresh tables while the old ones keep serving, then switch."""
    if view not in VIEW_NAMES:
        fail(f"there is no view {view!r}; the views are {', '.join(VIEW_NAMES)}")
    service = open_service(load_settings())
    try:
        views = open_views(service)
        total = views.events_to_rebuild(view)
        with Progress(
            *Progress.get_default_columns()[:-1],
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            console=err,
        ) as progress:
            task = progress.add_task(f"rebuilding {view}", total=total, rate="")
            started = time.perf_counter()

            def advance(events: int) -> None:
                progress.advance(task, events)
                done = progress.tasks[0].completed
                rate = done / max(time.perf_counter() - started, 1e-9)
                progress.update(task, rate=f"{rate:,.0f} events/s")

            report = views.rebuild(view, progress=advance)
    except RebuildInProgress as busy:
        fail(str(busy))
    finally:
        service.close()
    out.print(
        f"{report.view}: generation {report.generation}, {report.trajectories} "
        f"trajectories, {report.events} events in {report.seconds:.2f} s "
        f"({report.events_per_second:,.0f} events/s), up to notification "
        f"{report.head}",
        highlight=False,
    )


@app.command()
def outcomes(
    group_by: Annotated[
        str,
        typer.Option(help=f"comma-separated, of: {', '.join(DIMENSIONS)}"),
    ] = "",
    cohort: Annotated[
        str | None, typer.Option(help="only this quarter, e.g. 2024Q1")
    ] = None,
    cohort_by: Annotated[
        str, typer.Option(help="referral or intake: the quarter of which")
    ] = "referral",
    as_of: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"], help="what had happened by this business date"
        ),
    ] = None,
    known_at: Annotated[
        str | None,
        typer.Option(
            help="what the store held at this ISO time, e.g. 2025-01-31T12:00Z"
        ),
    ] = None,
    csv: Annotated[bool, typer.Option("--csv", help="CSV on stdout")] = False,
    suppress: Annotated[
        bool,
        typer.Option(help="withhold groups of fewer than 5 trajectories"),
    ] = True,
) -> None:
    """Outcome figures per group (catching the view up first)."""
    moment = None
    if known_at is not None:
        try:
            moment = datetime.fromisoformat(known_at.replace("Z", "+00:00"))
        except ValueError:
            fail(
                f"--known-at {known_at!r} is not an ISO time such as 2025-01-31T12:00Z"
            )
    service = open_service(load_settings())
    try:
        views = open_views(service)
        views.rebuild_stale()
        views.catch_up()
        table = views.outcome_table(
            [d for d in (part.strip() for part in group_by.split(",")) if d],
            cohort=cohort,
            cohort_by=cohort_by,
            as_of=as_of.date() if as_of else None,
            known_at=moment,
            suppress=suppress,
        )
    except DomainError as error:
        fail(error.message)
    finally:
        service.close()
    if csv:
        sys.stdout.write(table.csv())
        return
    print_outcomes(table)


def print_outcomes(table: OutcomeTable) -> None:
    shown = [
        "referrals",
        "intakes",
        "intake_rate",
        "median_days_to_intake",
        "placement_rate",
        "competitive_employment_rate",
        "dropout_rate",
        "employed_on_leaving_rate",
        "sustained_employment_6m_rate",
        "ladder_mean_change",
    ]
    grid = Table(title=f"outcomes, evaluated on {table.query.evaluated_on}")
    for column in [*table.query.group_by, *shown]:
        grid.add_column(column.replace("_", " "), overflow="fold")
    for row in table.rows:
        group = [row.group[d] or "-" for d in table.query.group_by]
        if row.suppressed:
            grid.add_row(*group, "<5", *([""] * (len(shown) - 1)))
            continue
        grid.add_row(*group, *(_figure(row.figures[name]) for name in shown))
    out.print(grid)
    err.print("all figures: --csv; definitions: GET /outcomes/definitions")


def _figure(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


token_app = typer.Typer(help="Access tokens for the HTTP API.", no_args_is_help=True)
app.add_typer(token_app, name="token")


def print_tokens(tokens: list[TokenInfo]) -> None:
    """One line per token, never wrapped: id, role, created, revoked, name, org."""
    for info in tokens:
        revoked = (
            f"revoked {info.revoked_at:%Y-%m-%d %H:%M}" if info.revoked_at else "live"
        )
        where = f" ({info.organisation})" if info.organisation else ""
        print(
            f"{info.id}  {info.role.value:<9}  created {info.created_at:%Y-%m-%d %H:%M}"
            f"  {revoked:<24}  {info.name}{where}"
        )


@token_app.command("create")
def token_create(
    role: Annotated[Role, typer.Option(help="what the token may do")],
    name: Annotated[str, typer.Option(help="who holds it, as histories will show")],
    organisation: Annotated[
        str | None, typer.Option(help="a staff member's organisation (staff only)")
    ] = None,
) -> None:
    """Create a token and print its secret, once: only its hash is stored."""
    service = open_service(load_settings())
    try:
        info, secret = service.tokens.create(
            role=role, name=name, organisation=organisation
        )
    except DomainError as error:
        fail(error.message)
    finally:
        service.close()
    err.print(
        f"created {info.role.value} token {info.id} for {info.name}"
        + (f" ({info.organisation})" if info.organisation else "")
        + "; the secret below is shown this once:",
        highlight=False,
    )
    print(secret)


@token_app.command("list")
def token_list() -> None:
    """Every token with its role, revoked ones included; never a secret."""
    service = open_service(load_settings())
    try:
        print_tokens(service.tokens.list())
    finally:
        service.close()


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[UUID, typer.Argument(help="the token's id (token list)")],
) -> None:
    """Revoke a token; other processes refuse it within 5 seconds."""
    service = open_service(load_settings())
    try:
        info = service.tokens.revoke(token_id)
    except DomainError as error:
        fail(error.message)
    finally:
        service.close()
    err.print(f"revoked token {info.id} ({info.name})", highlight=False)


if __name__ == "__main__":
    app()
