"""The HTTP API: ``create_app(settings)`` builds it; nothing happens at import time."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from application.settings import Settings
from application.trajectories import Trajectories
from application.views import Views
from interfaces.http.errors import install_error_handlers
from interfaces.http.limits import BodySizeLimit
from interfaces.http.observability import Metrics
from interfaces.http.routes import (
    caseload,
    health,
    outcomes,
    participants,
    programmes,
    projections,
    trajectories,
)

log = logging.getLogger("trajectory")

DESCRIPTION = """
Records the trajectories of people guided to work in Flemish labour-market programmes.
Every fact is an event, stored once and never changed.

Writes name the acting staff member in `X-Recorded-By`. Send `If-Match: "<version>"`
to write only if nobody changed the trajectory since you read it (409 otherwise).
Errors are `{"detail": {"code": ..., "message": ...}}`; `code` is stable.
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
            from application.demo import load_demo

            log.info("loading demo data (%d trajectories)", settings.demo_trajectories)
            load_demo(service, trajectories=settings.demo_trajectories, seed=1)
        if settings.run_projections:
            views.start()
        try:
            yield
        finally:
            views.stop()
            service.close()

    app = FastAPI(
        title="trajectory",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    metrics = Metrics()
    app.state.metrics = metrics
    metrics.install(app)
    install_error_handlers(app)
    app.include_router(programmes.router)
    app.include_router(participants.router)
    app.include_router(trajectories.router)
    app.include_router(caseload.router)
    app.include_router(outcomes.router)
    app.include_router(projections.router)
    app.include_router(health.router)
    return app
