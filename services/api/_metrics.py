"""Prometheus metrics of the API process, and the middleware that counts and times every request.

Each application has its own registry (not the engine's process-wide one), holding the process and
platform collectors, the request metrics, and the engine's database pool and error metrics.
Requests are labelled by route template (for example `/api/v1/workflows/{workflow_run_id}`), never
by the concrete path, so label values stay few.
"""

from __future__ import annotations

import time

import prometheus_client
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hwe import metrics

UNMATCHED_ROUTE = "unmatched"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class ApiMetrics:
    """The registry and the request metrics of one API application."""

    def __init__(self) -> None:
        self.registry = prometheus_client.CollectorRegistry()
        prometheus_client.ProcessCollector(registry=self.registry)
        prometheus_client.PlatformCollector(registry=self.registry)
        # The engine's database metrics count this process's pool and statements too.
        self.registry.register(metrics.DB_POOLS)
        self.registry.register(metrics.DB_ERRORS)
        self.requests = prometheus_client.Counter(
            "hwe_api_requests_total",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = prometheus_client.Histogram(
            "hwe_api_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template",
            ["method", "route"],
            registry=self.registry,
        )
        # The labelled children, by label values: `labels()` validates and takes a lock on every call.
        self._counters: dict[tuple[str, str, int], prometheus_client.Counter] = {}
        self._timers: dict[tuple[str, str], prometheus_client.Histogram] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Counts one answered request and records how long it took."""
        counter = self._counters.get((method, route, status))
        if counter is None:
            counter = self._counters[method, route, status] = self.requests.labels(method, route, str(status))
        timer = self._timers.get((method, route))
        if timer is None:
            timer = self._timers[method, route] = self.latency.labels(method, route)
        counter.inc()
        timer.observe(seconds)

    def exposition(self) -> bytes:
        """The registry in the Prometheus text format."""
        return prometheus_client.generate_latest(self.registry)


class MetricsMiddleware:
    """Counts every HTTP request by status and times it; a request that raised counts as a 500."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            route = scope.get("route")
            label = getattr(route, "path", UNMATCHED_ROUTE)
            method = scope["method"] if scope["method"] in _METHODS else "OTHER"
            self.metrics.observe(method, label, status, time.perf_counter() - started)
