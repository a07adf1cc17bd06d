"""Prometheus metrics of one app: requests and latencies by route, events recorded by
type, and the views' positions and lag (read when scraped)."""

from __future__ import annotations

import logging
import re
import time
import traceback
import uuid
from collections.abc import Iterator

from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from prometheus_client import Counter
from prometheus_client import Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.datastructures import Headers
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp
from starlette.types import Message
from starlette.types import Receive
from starlette.types import Scope
from starlette.types import Send

from application.views import Views
from interfaces.http.errors import problem
from interfaces.http.errors import route_of
from interfaces.http.middleware import HttpMiddleware
from interfaces.logs import REQUEST_ID

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ViewCollector(Collector):
    def __init__(self, views: Views) -> None:
        self.views = views

    def collect(self) -> Iterator[GaugeMetricFamily]:
        statuses = self.views.status()
        head = GaugeMetricFamily(
            "trajectory_event_log_head", "the last notification id in the event log"
        )
        position = GaugeMetricFamily(
            "trajectory_view_position",
            "the last notification id the view processed",
            labels=["view"],
        )
        lag = GaugeMetricFamily(
            "trajectory_view_lag",
            "notifications of the log the view has not yet processed",
            labels=["view"],
        )
        for status in statuses:
            position.add_metric([status.name], status.position)
            lag.add_metric([status.name], status.lag)
        head.add_metric([], statuses[0].head if statuses else 0)
        yield from (head, position, lag)


class Metrics:
    """One registry per app, so that apps in one process (tests) never mix."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "trajectory_http_requests",
            "HTTP requests answered, by route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "trajectory_http_request_seconds",
            "time to answer an HTTP request, by route template",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.events = Counter(
            "trajectory_events_recorded",
            "events recorded by this process, by type",
            ["type"],
            registry=self.registry,
        )
        self._views: ViewCollector | None = None

    def watch(self, views: Views) -> None:
        """Counts the events the service saves and reports the views' lag."""
        views.app.on_saved(self.count_events)
        if self._views is not None:
            self.registry.unregister(self._views)
        self._views = ViewCollector(views)
        self.registry.register(self._views)

    def count_events(self, types: list[str]) -> None:
        for name in types:
            self.events.labels(type=name).inc()

    def install(self, app: FastAPI) -> None:
        app.add_middleware(MeasureRequests, metrics=self)


class MeasureRequests(HttpMiddleware):
    """Counts each answer by route template and status, and times it."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        super().__init__(app)
        self.metrics = metrics

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = 500  # if the app fails without answering

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = route_of(scope)
            method = scope["method"]
            metrics = self.metrics
            metrics.latency.labels(method, route).observe(time.perf_counter() - started)
            metrics.requests.labels(method, route, str(status)).inc()


REQUEST_ID_HEADER = "X-Request-ID"
# A caller's own id is kept when it is plain and short (a proxy's, say); else a new one.
CALLERS_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
QUIET_ROUTES = frozenset({"/health", "/metrics"})  # polled: logged at DEBUG only
access_log = logging.getLogger("trajectory.http.access")
error_log = logging.getLogger("trajectory.http")


class RequestIds(HttpMiddleware):
    """The outermost middleware: gives each request an id (the caller's
    ``X-Request-ID`` if plain, else a new one), which every log line written while
    answering carries and the answer returns in ``X-Request-ID``; then logs one line
    per request: method, route template, status and time taken (no path values,
    query strings or bodies)."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        given = Headers(scope=scope).get(REQUEST_ID_HEADER, "")
        request_id = given if CALLERS_ID.fullmatch(given) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status, answering = 500, False  # if the app fails without answering

        async def send_with_id(message: Message) -> None:
            nonlocal status, answering
            if message["type"] == "http.response.start":
                status, answering = message["status"], True
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as error:
            route = route_of(scope)
            if answering:  # too late to answer otherwise: the server closes it
                raise
            # The type and the frames, not the message: a message may quote input
            # (a validation error quotes the values it refused).
            error_log.error(
                "unexpected %s on %s %s",
                type(error).__name__,
                scope["method"],
                route,
                extra={
                    "error": type(error).__name__,
                    "traceback": "".join(traceback.format_tb(error.__traceback__)),
                },
            )
            unexpected = problem(
                500, "internal_error", "an unexpected error; it was logged"
            )
            await unexpected(scope, receive, send_with_id)
        finally:
            route = route_of(scope)
            took = round((time.perf_counter() - started) * 1000, 1)
            access_log.log(
                logging.DEBUG if route in QUIET_ROUTES else logging.INFO,
                "%s %s %d %.1f ms",
                scope["method"],
                route,
                status,
                took,
                extra={
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "duration_ms": took,
                },
            )
            REQUEST_ID.reset(token)
