"""The HTTP API: ``create_app(settings)`` builds it; nothing happens at import time."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import metadata

from fastapi import Depends
from fastapi import FastAPI

from application.access import Role
from application.access import TokenInfo
from application.service import Trajectories
from application.settings import Settings
from application.views import Views
from interfaces.demo.loading import development_tokens
from interfaces.demo.loading import load_demo
from interfaces.http import front
from interfaces.http import openapi
from interfaces.http.breaker import Breaker
from interfaces.http.breaker import DatabaseBreaker
from interfaces.http.errors import install_error_handlers
from interfaces.http.front import SecurityHeaders
from interfaces.http.limits import BodySizeLimit
from interfaces.http.observability import Metrics
from interfaces.http.observability import RequestIds
from interfaces.http.routes import audit
from interfaces.http.routes import caseload
from interfaces.http.routes import coaches
from interfaces.http.routes import group_sessions
from interfaces.http.routes import health
from interfaces.http.routes import imports
from interfaces.http.routes import outcomes
from interfaces.http.routes import outcomes_csv
from interfaces.http.routes import participants
from interfaces.http.routes import programmes
from interfaces.http.routes import projections
from interfaces.http.routes import reports
from interfaces.http.routes import todo
from interfaces.http.routes import tokens
from interfaces.http.routes import trajectories
from interfaces.http.strict import known_query_only
from interfaces.http.throttle import AuthenticationThrottle
from interfaces.http.throttle import FailedAuthentication
from interfaces.logs import configure_logging
from interfaces.records.files import IMPORT_MAX_BYTES
from interfaces.web import pages

log = logging.getLogger("trajectory")

DESCRIPTION = """
Records the trajectories of people guided to work in Flemish labour-market programmes.
Every fact is an event, stored once and never changed.

Every request but `/health` and `/metrics` carries `Authorization: Bearer <token>`
(tokens come from `trajectory token create` or `POST /tokens`). Roles: **staff** (one
organisation: records events, reads its own trajectories, participants and caseload;
another organisation's trajectory is a 404), **auditor** (reads every history, writes
nothing), **evaluator** (outcome views only, small groups suppressed), **admin**
(programmes, tokens, rebuilds). No token: 401; a role that may not: 403.

Send `If-Match: "<version>"` to write only if nobody changed the trajectory since
you read it (409 with the current version otherwise), and `Idempotency-Key: <key>`
to make a retry safe: it gets the first answer (with `Idempotent-Replayed: true`)
and records nothing twice. Errors are `{"detail": {"code": ..., "message": ...}}`;
`code` is stable.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service = Trajectories(settings)
        views = Views(service)
        app.state.service, app.state.views = service, views
        metrics.watch(views)
        if settings.demo and not service.programmes():
            log.info("loading demo data (%d trajectories)", settings.demo_trajectories)
            load_demo(service, trajectories=settings.demo_trajectories, seed=1)
        if settings.demo:
            announce(development_tokens(service), settings)
        if settings.run_projections:
            views.start()
        try:
            yield
        finally:
            views.stop()
            service.close()

    app = front.new_app(
        docs=settings.serves_docs,
        title="trajectory",
        version=metadata.version("trajectory"),
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=openapi.operation_id,
    )
    app.add_middleware(front.HeadAsGet)  # the innermost: the router sees a GET
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_body_bytes,
        larger={"/imports": IMPORT_MAX_BYTES, "/ui/import": IMPORT_MAX_BYTES},
    )
    app.state.breaker = Breaker(ping=lambda: app.state.views.source.ping())
    app.add_middleware(DatabaseBreaker, breaker=app.state.breaker)
    metrics = Metrics()
    app.state.metrics = metrics
    metrics.install(app)
    install_error_handlers(app)
    # Every route included from here refuses a query parameter it does not take.
    app.router.dependencies.append(Depends(known_query_only))
    app.include_router(programmes.router)
    app.include_router(coaches.router)
    app.include_router(group_sessions.router)
    app.include_router(todo.router)
    app.include_router(participants.router)
    app.include_router(trajectories.router)
    app.include_router(caseload.router)
    app.include_router(outcomes.router)
    app.include_router(outcomes_csv.router)
    app.include_router(projections.router)
    app.include_router(reports.router)
    app.include_router(health.router)
    app.include_router(tokens.router)
    app.include_router(imports.router)
    app.include_router(audit.router)
    pages.install(app)  # after the error handlers: it shows them as pages
    front.install(app)
    openapi.install(app)
    app.add_middleware(AuthenticationThrottle, failures=FailedAuthentication())
    app.add_middleware(SecurityHeaders)  # outside the throttle: its 429 has them too
    app.add_middleware(RequestIds)  # the outermost: every line logged has the id
    return app


def create_app_from_environment() -> FastAPI:
    """The app of one server worker (``uvicorn --factory``): each worker process
    reads the ``TRAJECTORY_*`` settings and sets up its logging itself."""
    settings = Settings()
    configure_logging(settings)
    return create_app(settings)


def announce(tokens: list[tuple[TokenInfo, str]], settings: Settings) -> None:
    """Prints the development tokens, so a newcomer can try the API at once."""
    lines = [
        "Development tokens (new at each start with demo data; the old ones are "
        "revoked):"
    ]
    for info, secret in tokens:
        where = f"  ({info.organisation})" if info.organisation else ""
        lines.append(f"  {info.role.value:<10} {secret}{where}")
    admin = next(secret for info, secret in tokens if info.role is Role.ADMIN)
    lines.append(
        f'Try: curl -H "Authorization: Bearer {admin}" '
        f"http://{settings.host}:{settings.port}/programmes   (docs: /docs)"
    )
    print("\n".join(lines), flush=True)
