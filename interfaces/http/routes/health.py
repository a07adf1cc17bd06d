import logging
from typing import Any
from typing import Literal

from fastapi import APIRouter
from fastapi import Request
from fastapi import Response
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client import generate_latest
from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field

from interfaces.http.deps import ViewsDep

router = APIRouter(tags=["operations"])
log = logging.getLogger("trajectory.http")


class ViewLagOut(BaseModel):
    name: str
    position: int
    lag: int = Field(description="notifications of the log not yet processed")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"name": "caseload", "position": 18342, "lag": 0}]
        }
    )


HEALTHY: dict[str, Any] = {
    "status": "ok",
    "database": "reachable",
    "head": 18342,
    "views": [
        {"name": "caseload", "position": 18342, "lag": 0},
        {"name": "outcomes", "position": 18339, "lag": 3},
    ],
}
UNHEALTHY: dict[str, Any] = {
    "status": "unavailable",
    "database": "unreachable: OperationalError",
    "head": None,
    "views": [],
}


class HealthOut(BaseModel):
    status: Literal["ok", "unavailable"]
    database: str = Field(description='"reachable", or what went wrong')
    head: int | None = Field(description="the last notification id in the event log")
    views: list[ViewLagOut]

    model_config = ConfigDict(json_schema_extra={"examples": [HEALTHY, UNHEALTHY]})


@router.get(
    "/health",
    response_model=HealthOut,
    responses={
        503: {
            "model": HealthOut,
            "description": "The database is unreachable",
            "content": {"application/json": {"example": UNHEALTHY}},
        }
    },
)
def health(views: ViewsDep, response: Response) -> HealthOut:
    """Whether the database answers, and how far behind each view is."""
    try:
        views.source.ping()  # fails fast, where the pool would retry for long
        statuses = views.status()
    except Exception as error:  # any failure to reach the database
        log.warning("health check: the database is unreachable: %s", error)
        response.status_code = 503
        return HealthOut(
            status="unavailable",
            database=f"unreachable: {type(error).__name__}",
            head=None,
            views=[],
        )
    return HealthOut(
        status="ok",
        database="reachable",
        head=statuses[0].head if statuses else 0,
        views=[
            ViewLagOut(name=s.name, position=s.position, lag=s.lag) for s in statuses
        ],
    )


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "description": "The metrics in Prometheus's text format",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    },
)
def metrics(request: Request) -> Response:
    """Prometheus metrics: requests and latencies by route, events recorded by type,
    the views' positions and lag."""
    registry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
