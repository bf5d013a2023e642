"""Builds the Starlette application: routes, the lifespan that owns the pool, error mapping."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import AsyncIterator

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hwe import config, db, errors, secrets, tools
from services.api import _run_actions, _state, _workflows

logger = logging.getLogger(__name__)

# One HTTP status and error code per engine error class.
_ERROR_STATUS: dict[type[errors.HighwayError], tuple[int, str]] = {
    errors.InvalidRequest: (400, "bad_request"),
    errors.InvalidWorkflow: (400, "invalid_workflow"),
    errors.Unauthorized: (401, "unauthorized"),
    errors.RunNotFound: (404, "not_found"),
    errors.IdempotencyConflict: (409, "idempotency_conflict"),
    errors.NotCancellable: (409, "not_cancellable"),
    errors.InvalidEvent: (400, "invalid_event"),
}


def create_app(settings: config.Settings) -> Starlette:
    """Returns the API application for these settings."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if not settings.database_url:
            raise errors.ConfigError("api: no database URL (set HWE_DATABASE_URL or [database] url)")
        tools.load_builtin_tools()
        pepper = secrets.open_secret_provider(settings).get(secrets.API_KEY_PEPPER)
        pool = await anyio.to_thread.run_sync(db.open_pool, settings.database_url, settings.pool_size)
        app.state.api = _state.ApiState(
            settings=settings, pool=pool, pepper=pepper, limiter=anyio.CapacityLimiter(settings.pool_size)
        )
        logger.info("api ready on %s:%s", settings.api_host, settings.api_port)
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(pool.close)

    return Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            *_workflows.routes,
            *_run_actions.routes,
        ],
        lifespan=lifespan,
        exception_handlers={errors.HighwayError: engine_error, Exception: internal_error},
    )


async def healthz(request: Request) -> Response:
    """Liveness: the process serves requests."""
    return JSONResponse({"status": "success", "data": {"alive": True}})


async def readyz(request: Request) -> Response:
    """Readiness: the database answers through the pool."""
    state = _state.get(request)
    try:
        await state.call(_ping)
    except Exception:
        logger.warning("readiness check failed: database unreachable")
        return _state.error_response(503, "database_unavailable", "the database does not answer")
    return JSONResponse({"status": "success", "data": {"ready": True}})


def _ping(conn: db.Connection) -> None:
    db.execute(conn, "ping")


async def engine_error(request: Request, exc: Exception) -> Response:
    """Maps an engine error to its one HTTP status."""
    status, code = next(
        ((s, c) for cls, (s, c) in _ERROR_STATUS.items() if isinstance(exc, cls)), (500, "internal_error")
    )
    if status == 500:
        return await internal_error(request, exc)
    if isinstance(exc, errors.InvalidRequest):
        code = exc.code
    extra = {"existing_run_id": exc.existing_run_id} if isinstance(exc, errors.IdempotencyConflict) else {}
    return _state.error_response(status, code, str(exc), **extra)


async def internal_error(request: Request, exc: Exception) -> Response:
    """Anything unexpected: logged with a request id, answered without internals."""
    request_id = str(uuid.uuid4())
    logger.error("request %s failed with %s", request_id, type(exc).__name__, exc_info=exc)
    return _state.error_response(500, "internal_error", "internal error", request_id=request_id)
