"""Routes about the API process itself: probes, health, version and Prometheus metrics.

None of them needs an API key: load balancers, Kubernetes and Prometheus call them.
"""

from __future__ import annotations

import importlib.metadata
import logging
import time

import anyio
import prometheus_client
import psycopg_pool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hwe import db, migrate
from services.api import _state

logger = logging.getLogger(__name__)

# A probe must answer quickly even when the database does not: it waits this long for a connection.
PROBE_TIMEOUT_SECONDS = 2.0
PACKAGE = "highway-engine"


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
    """Health: this API process and its database.

    Answers 503 (with the same details) when the database does not answer within two seconds.
    ---
    security: []
    tags: [meta]
    responses:
      200: {description: healthy, x-data: Health}
      503: {$ref: '#/components/responses/Unavailable'}
    """
    latency = await _database_answers(request)
    if latency is None:
        details = {"healthy": False, "version": _version(), "database": {"status": "down"}}
        return _state.error_response(
            503,
            "database_unavailable",
            "the database does not answer",
            request_id=_state.request_id(request),
            details=details,
        )
    database = {"status": "up", "latency_ms": round(latency * 1000, 3)}
    return _state.success({"healthy": True, "version": _version(), "database": database})


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
    Route("/api/v1/health", health, methods=["GET"]),
    Route("/api/v1/version", version, methods=["GET"]),
    Route("/metrics", metrics, methods=["GET"]),
]
