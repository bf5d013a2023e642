"""Routes about the API process itself: probes, ping, health, version and Prometheus metrics; and the
tenant's health metrics.

Only the tenant's health metrics need an API key: load balancers, Kubernetes and Prometheus call the rest.
"""

from __future__ import annotations

import importlib.metadata
import logging
import time
from typing import Any

import anyio
import prometheus_client
import psycopg_pool
import yaml
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hwe import db, errors, migrate
from hwe import health_metrics as tenant_health
from services.api import _query, _state

logger = logging.getLogger(__name__)

# A probe must answer quickly even when the database does not: it waits this long for a connection.
PROBE_TIMEOUT_SECONDS = 2.0
PACKAGE = "highway-engine"

OPENAPI_SCHEMAS: dict[str, Any] = yaml.safe_load(r"""
HealthCheck:
  type: object
  required: [status, checks, version]
  properties:
    status: {type: string, enum: [healthy, degraded, unhealthy]}
    version: {type: string}
    checks:
      type: object
      required: [database]
      properties:
        database:
          type: object
          required: [status]
          properties:
            status: {type: string, enum: [up, down]}
            latency_ms: {type: number, minimum: 0}
        schema:
          type: object
          required: [status, missing_migrations]
          properties:
            status: {type: string, enum: [current, outdated]}
            missing_migrations: {type: integer, minimum: 0}
Pong:
  type: object
  required: [pong]
  properties:
    pong: {const: true}
HealthMetricsCategory:
  type: object
  required: [severity]
  properties:
    severity: {type: string, enum: [ok, warning, critical]}
  additionalProperties: true
HealthMetrics:
  type: object
  required: [interval_seconds, since, now, severity, categories]
  properties:
    interval_seconds: {type: integer, minimum: 1, maximum: 604800}
    since: {type: string, format: date-time}
    now: {type: string, format: date-time}
    severity: {type: string, enum: [ok, warning, critical], description: the worst severity of the categories}
    categories:
      type: object
      required: [critical, failures, resilience, performance, workers, workflows, tasks, queues]
      additionalProperties: {$ref: '#/components/schemas/HealthMetricsCategory'}
""")


async def healthz(request: Request) -> Response:
    """Liveness: the process serves requests.

    ---
    security: []
    tags: [meta]
    responses:
      200: {description: the process is alive}
    """
    return JSONResponse({"status": "success", "data": {"alive": True}})


async def readyz(request: Request) -> Response:
    """Readiness: the database answers through the pool and has every migration this code knows.

    ---
    security: []
    tags: [meta]
    responses:
      200: {description: ready to serve}
      503: {$ref: '#/components/responses/Unavailable'}
    """
    if await _database_answers(request) is None:
        return _state.error_response(
            503, "database_unavailable", "the database does not answer", request_id=_state.request_id(request)
        )
    missing = await _missing_migrations(request)
    if missing:
        message = f"the database schema lacks {len(missing)} migration(s) from {missing[0]} on: run `hwe migrate`"
        return _state.error_response(503, "schema_outdated", message, request_id=_state.request_id(request))
    return JSONResponse({"status": "success", "data": {"ready": True}})


async def health(request: Request) -> Response:
    """Health: this API process, its database and the database's schema.

    `status` is healthy, degraded (the database answers but lacks migrations this code knows: run `hwe
    migrate`) or unhealthy: a 503 (with the same data in `details`) when the database does not answer
    within two seconds.
    ---
    security: []
    tags: [meta]
    responses:
      200: {description: healthy or degraded, x-data: HealthCheck}
      503: {$ref: '#/components/responses/Unavailable'}
    """
    latency = await _database_answers(request)
    if latency is None:
        details = {"status": "unhealthy", "version": _version(), "checks": {"database": {"status": "down"}}}
        return _state.error_response(
            503,
            "database_unavailable",
            "the database does not answer",
            request_id=_state.request_id(request),
            details=details,
        )
    try:
        missing = len(await _missing_migrations(request))
    except Exception as err:  # the database stopped answering between the two checks
        logger.warning("schema check failed: %s", type(err).__name__)
        return _state.error_response(
            503,
            "database_unavailable",
            "the database does not answer",
            request_id=_state.request_id(request),
            details={"status": "unhealthy", "version": _version(), "checks": {"database": {"status": "down"}}},
        )
    checks = {
        "database": {"status": "up", "latency_ms": round(latency * 1000, 3)},
        "schema": {"status": "outdated" if missing else "current", "missing_migrations": missing},
    }
    status = "degraded" if missing else "healthy"
    return _state.success({"status": status, "version": _version(), "checks": checks})


async def health_metrics(request: Request) -> Response:
    """The tenant's health metrics over a recent window, by category, each with a severity (ok, warning, critical).

    Categories: critical (attempts whose lease expired), failures (failed runs and their share of the finished
    ones), resilience (root tasks that needed more than one attempt), performance (completed runs, throughput,
    durations), workers (workers holding a lease on the tenant's work), workflows and tasks (by state), queues
    (the tenant's attempts running, ready, scheduled and sleeping now). The window counts runs created in it.
    ---
    tags: [meta]
    x-role: viewer
    parameters:
      - name: interval
        in: query
        description: "the window: `<n> second|minute|hour|day[s]`, 1 second to 7 days"
        schema:
          type: string
          default: 15 minutes
          maxLength: 40
          pattern: '^\\s*[0-9]{1,7}\\s*(second|minute|hour|day)s?\\s*$'
    responses:
      200: {description: the metrics, x-data: HealthMetrics}
    """
    principal = await _state.authenticate(request, require="viewer")
    text = _query.query(request, ("interval",)).get("interval", tenant_health.DEFAULT_INTERVAL)
    seconds = tenant_health.parse_interval(text) if len(text) <= 40 else None
    if seconds is None:
        raise errors.InvalidRequest(
            "invalid_interval", "interval must be '<n> second|minute|hour|day[s]', from 1 second to 7 days"
        )
    metrics = await _state.get(request).call(
        tenant_health.read_health_metrics, principal.tenant_id, principal.queue_name, seconds
    )
    return _state.success(metrics)


async def ping(request: Request) -> Response:
    """Ping: the process answers (nothing else is checked).

    ---
    security: []
    tags: [meta]
    responses:
      200: {description: pong, x-data: Pong}
    """
    return _state.success({"pong": True})


async def version(request: Request) -> Response:
    """The engine's version and the API version.

    ---
    security: []
    tags: [meta]
    responses:
      200: {description: the versions, x-data: Version}
    """
    return _state.success({"version": _version(), "api_version": "v1"})


async def metrics(request: Request) -> Response:
    """Prometheus metrics of this API process (text exposition format).

    ---
    security: []
    tags: [meta]
    responses:
      200:
        description: request counts by route and status, latency histograms, process metrics
        content:
          text/plain: {schema: {type: string}}
    """
    body = _state.get(request).metrics.exposition()
    return Response(body, media_type=prometheus_client.CONTENT_TYPE_LATEST)


async def _database_answers(request: Request) -> float | None:
    """Seconds the database took to answer a ping, or None when it did not answer in time."""
    pool = _state.get(request).pool
    try:
        # Not through the request limiter: a probe must not queue behind busy requests.
        return await anyio.to_thread.run_sync(_ping, pool)
    except Exception as err:
        logger.warning("database check failed: %s", type(err).__name__)
        return None


async def _missing_migrations(request: Request) -> list[str]:
    pool = _state.get(request).pool

    def check() -> list[str]:
        with pool.connection(timeout=PROBE_TIMEOUT_SECONDS) as conn:
            return migrate.missing_migrations(conn)

    return await anyio.to_thread.run_sync(check)


def _ping(pool: psycopg_pool.ConnectionPool[db.Connection]) -> float:
    started = time.perf_counter()
    with pool.connection(timeout=PROBE_TIMEOUT_SECONDS) as conn:
        db.execute(conn, "ping")
    return time.perf_counter() - started


def _version() -> str:
    return importlib.metadata.version(PACKAGE)


routes = [
    Route("/healthz", healthz, methods=["GET"]),
    Route("/readyz", readyz, methods=["GET"]),
    Route("/ping", ping, methods=["GET"]),
    Route("/api/v1/health", health, methods=["GET"]),
    Route("/api/v1/health/metrics", health_metrics, methods=["GET"]),
    Route("/api/v1/version", version, methods=["GET"]),
    Route("/metrics", metrics, methods=["GET"]),
]
