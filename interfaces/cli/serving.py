"""Running the service: the HTTP server, the projector, and the schema's set-up."""

import errno
import logging
import os
import signal
import socket
import threading
from pathlib import Path
from typing import Annotated
from typing import Any

import typer

from application.migrations import latest
from application.service import Trajectories
from application.settings import SettingsProblems
from application.storage import SideTables
from application.versions import StoredVersions
from application.versions import stored_versions
from interfaces.cli.common import fail
from interfaces.cli.common import load_settings
from interfaces.cli.common import open_service
from interfaces.cli.common import open_views
from interfaces.cli.common import out
from interfaces.logs import configure_logging

HEARTBEAT_EVERY = 5.0  # seconds, for `trajectory project --heartbeat`
REPORT_EVERY = 60.0  # seconds between the projector's log lines on each view
BACKLOG = 2048  # connections waiting to be accepted, as uvicorn's default


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
    from uvicorn.supervisors import Multiprocess

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
    try:  # what production refuses, named before anything is touched
        settings.check()
    except SettingsProblems as problems:
        fail(str(problems))
    # Then the port: a second server on a busy port must touch nothing (the
    # schema, the demo data, the running server's development tokens).
    listening = listen(settings.host, settings.port)
    open_service(settings).close()  # fail fast, with a clear message; migrates
    # Each worker reads the settings afresh: it gets the options as variables.
    for name, value in options.items():
        if value is not None:
            os.environ[f"TRAJECTORY_{name.upper()}"] = str(value)
    config = uvicorn.Config(
        "interfaces.http.app:create_app_from_environment",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_config=None,  # our handler, set up by the factory in each worker
        access_log=False,  # ours logs route templates, not paths and queries
        server_header=False,  # no "server: uvicorn" telling what runs here
        timeout_graceful_shutdown=settings.shutdown_timeout,
    )
    host_part = f"[{settings.host}]" if ":" in settings.host else settings.host
    if settings.standby_url:
        logging.getLogger("trajectory").info(
            "the store at %s; heavy reads from a standby at %s",
            settings.safe_database_url,
            settings.safe_standby_url,
        )
    logging.getLogger("trajectory").info(
        "listening on http://%s:%d (pages at /ui%s)",
        host_part,
        settings.port,
        ", API docs at /docs" if settings.serves_docs else "",
    )
    # As uvicorn.run does, but on the socket already held.
    if settings.workers > 1:
        Multiprocess(config, sockets=[listening]).run()
        return
    server = uvicorn.Server(config)
    server.run(sockets=[listening])
    if not server.started:  # the app failed to start; it logged why
        raise typer.Exit(code=3)


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on host:port, held from before the server starts (so no
    other process takes the port meanwhile), or a message saying why it cannot be."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listening = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn
    try:
        listening.bind((host, port))
        listening.listen(BACKLOG)
    except OSError as error:
        listening.close()
        if error.errno == errno.EADDRINUSE:
            free = free_port_after(host, port)
            fail(
                f"port {port} is in use on {host} (is another `trajectory serve` "
                "running?): stop that server, or serve on another port by setting "
                f"TRAJECTORY_PORT, e.g. `TRAJECTORY_PORT={free} make run` or "
                f"`trajectory serve --port {free}`"
            )
        fail(
            f"cannot listen on {host}:{port} ({error.strerror or error}): set "
            "TRAJECTORY_HOST to an address of this machine and TRAJECTORY_PORT to a "
            "port it may open (1024 or above unless run as root)"
        )
    listening.set_inheritable(True)  # for the worker processes
    return listening


def free_port_after(host: str, port: int) -> int:
    """The first port above ``port`` that is free now (for the message's example)."""
    for candidate in range(port + 1, min(port + 100, 65535) + 1):
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            try:
                probe.bind((host, candidate))
            except OSError:
                continue
            return candidate
    return port + 1


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
    master key: whoever sets up the schema need not hold it. Then report the
    versions of the stored events and snapshots against the code's; exit 1 if the
    store holds any the code cannot read (written by a newer release)."""
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
        versions = service_versions(service)
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
    print_versions(versions)
    unreadable = [v for kind in versions.values() for v in kind if v.newer_than_code]
    if unreadable:
        fail(
            "the store holds events or snapshots of versions this code cannot read "
            f"({', '.join(v.topic for v in unreadable)}): a newer release wrote "
            "them; run that release, or a later one"
        )


def service_versions(service: Trajectories) -> dict[str, list[StoredVersions]]:
    """The versions the store holds, of its events and of its snapshots."""
    assert service.snapshots is not None
    tables = SideTables(service.recorder)
    events: Any = service.recorder
    snapshots: Any = service.snapshots.recorder
    return {
        "events": stored_versions(tables, events.events_table_name),
        "snapshots": stored_versions(
            tables, snapshots.events_table_name, snapshots=True
        ),
    }


def print_versions(versions: dict[str, list[StoredVersions]]) -> None:
    """One line per topic: how many of each version are stored, what the code reads."""
    for kind, topics in versions.items():
        out.print(f"stored {kind} by version (the code reads):", highlight=False)
        for stored in topics:
            counts = ", ".join(f"v{v}: {n:,}" for v, n in sorted(stored.counts.items()))
            code = "unknown to this code" if stored.code is None else f"v{stored.code}"
            older = any(v < (stored.code or 0) for v in stored.counts)
            note = " (older versions are upcast as they are read)" if older else ""
            out.print(f"  {stored.topic}  {counts}  ({code}){note}", highlight=False)
