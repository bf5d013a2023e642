"""Builds the Starlette application: routes, middleware, the lifespan that owns the pool, error mapping."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import anyio
import psycopg
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from hwe import config, db, errors, secrets, tools
from services.api import (
    _access,
    _activities,
    _analytics,
    _approvals,
    _apps,
    _artifacts,
    _audit,
    _breakers,
    _definitions,
    _guard,
    _idempotency,
    _invitations,
    _listing,
    _logs,
    _meta,
    _metrics,
    _openapi,
    _principals,
    _ratelimit,
    _replay,
    _run_actions,
    _run_extras,
    _run_views,
    _schedules,
    _schemas,
    _signals,
    _signin,
    _state,
    _templates,
    _tenant_apps,
    _tokens,
    _users,
    _webhooks,
    _workers,
    _workflows,
    ui,
)

logger = logging.getLogger(__name__)

# One HTTP status and error code per engine error class.
_ERROR_STATUS: dict[type[errors.HighwayError], tuple[int, str]] = {
    errors.InvalidRequest: (400, "bad_request"),
    errors.InvalidWorkflow: (400, "invalid_workflow"),
    errors.InvalidEvent: (400, "invalid_event"),
    errors.InvalidArtifact: (400, "invalid_artifact"),
    errors.InvalidSchedule: (400, "invalid_schedule"),
    errors.InvalidApp: (400, "invalid_app"),
    errors.Unauthorized: (401, "unauthorized"),
    errors.Forbidden: (403, "forbidden"),
    errors.NotFound: (404, "not_found"),
    errors.RunNotFound: (404, "not_found"),
    errors.ApiKeyNotFound: (404, "not_found"),
    errors.ApprovalNotFound: (404, "not_found"),
    errors.ArtifactNotFound: (404, "not_found"),
    errors.ScheduleNotFound: (404, "not_found"),
    errors.AppNotFound: (404, "not_found"),
    errors.TemplateNotFound: (404, "not_found"),
    errors.DefinitionNotFound: (404, "not_found"),
    errors.WebhookNotFound: (404, "not_found"),
    errors.DeliveryNotFound: (404, "not_found"),
    errors.AuditRecordNotFound: (404, "not_found"),
    errors.Conflict: (409, "conflict"),
    errors.Gone: (410, "gone"),
    errors.IdempotencyConflict: (409, "idempotency_conflict"),
    errors.TenantConflict: (409, "tenant_conflict"),
    errors.TenantExists: (409, "tenant_exists"),
    errors.ApprovalDecided: (409, "approval_decided"),
    errors.PayloadTooLarge: (413, "body_too_large"),
    errors.NotCancellable: (409, "not_cancellable"),
    errors.NotRetryable: (409, "not_retryable"),
    errors.ScheduleExists: (409, "schedule_exists"),
    errors.RateLimited: (429, "rate_limited"),
    errors.SecretStoreRefused: (503, "secret_store_refused"),
    errors.SecretStoreUnavailable: (503, "secret_store_unavailable"),
}
_HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}


def routes() -> list[BaseRoute]:
    """Every route of the API; the OpenAPI document is generated from this list."""
    return [
        *_meta.routes,
        *_openapi.routes,
        *_listing.routes,
        # Before the run routes: /api/v1/workflows/{workflow_run_id} would match /definitions or /stats.
        *_definitions.routes,
        *_analytics.routes,
        *_workflows.routes,
        *_run_actions.routes,
        # Before the run views: /steps/{step_name} would match /steps/logs.
        *_logs.routes,
        *_run_views.routes,
        *_run_extras.routes,
        *_signals.routes,
        *_activities.routes,
        *_replay.routes,
        *_workers.routes,
        *_breakers.routes,
        *_idempotency.routes,
        *_schemas.routes,
        *_artifacts.routes,
        *_schedules.routes,
        *_approvals.routes,
        *_apps.routes,
        *_tenant_apps.routes,
        *_templates.routes,
        *_audit.routes,
        *_access.routes,
        *_users.routes,
        *_tokens.routes,
        *_invitations.routes,
        *_webhooks.routes,
        *_signin.routes,
        # The web console under /ui (left out of the OpenAPI document).
        *ui.routes,
    ]


def create_app(settings: config.Settings) -> Starlette:
    """Returns the API application for these settings."""
    metrics = _metrics.ApiMetrics()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if not settings.database_url:
            raise errors.ConfigError("api: no database URL (set HWE_DATABASE_URL or [database] url)")
        tools.load_builtin_tools()
        pepper = secrets.open_secret_provider(settings).get(secrets.API_KEY_PEPPER)
        pool = await anyio.to_thread.run_sync(db.open_pool, settings.database_url, settings.pool_size)
        app.state.api = _state.ApiState(
            settings=settings,
            pool=pool,
            pepper=pepper,
            limiter=anyio.CapacityLimiter(settings.pool_size),
            rate_limits=_ratelimit.TokenBuckets(settings.api_rate_limit_per_second, settings.api_rate_limit_burst),
            sign_in_limits=_sign_in_limits(settings),
            metrics=metrics,
            principals=_principals.PrincipalCache(),
        )
        logger.info("api ready on %s:%s", settings.api_host, settings.api_port)
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(pool.close)

    return Starlette(
        routes=routes(),
        middleware=[Middleware(_metrics.MetricsMiddleware, metrics=metrics), Middleware(_guard.RequestGuard)],
        lifespan=lifespan,
        exception_handlers={
            errors.HighwayError: engine_error,
            HTTPException: http_error,
            psycopg.OperationalError: database_unavailable,
            Exception: internal_error,
        },
    )


def _sign_in_limits(settings: config.Settings) -> _ratelimit.TokenBuckets:
    """A minute's worth of sign-ins per client address as the burst, refilled at the same rate."""
    per_minute = settings.api_sign_in_per_minute
    return _ratelimit.TokenBuckets(per_minute / 60, max(1, int(per_minute)), max_keys=100_000)


async def engine_error(request: Request, exc: Exception) -> Response:
    """Maps an engine error to its one HTTP status."""
    status, code = next(
        ((s, c) for cls, (s, c) in _ERROR_STATUS.items() if isinstance(exc, cls)), (500, "internal_error")
    )
    if status == 500:
        return await internal_error(request, exc)
    if isinstance(exc, errors.InvalidRequest | errors.Conflict | errors.Gone | errors.Forbidden):
        code = exc.code
    extra: dict[str, object] = {}
    if isinstance(exc, errors.IdempotencyConflict) and exc.existing_run_id is not None:
        extra["existing_run_id"] = exc.existing_run_id
    headers = {"Retry-After": str(int(exc.retry_after))} if isinstance(exc, errors.RateLimited) else None
    return _state.error_response(
        status, code, str(exc), request_id=_state.request_id(request), headers=headers, **extra
    )


async def http_error(request: Request, exc: Exception) -> Response:
    """Routing errors (no such route, method not allowed) in the error envelope."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    headers = dict(exc.headers or {}) if isinstance(exc, HTTPException) else None
    detail = exc.detail if isinstance(exc, HTTPException) else "error"
    return _state.error_response(
        status, _HTTP_CODES.get(status, "http_error"), detail, request_id=_state.request_id(request), headers=headers
    )


async def database_unavailable(request: Request, exc: Exception) -> Response:
    """The database went away mid-request (a restart, a terminated session): a 503 to retry, not a 500."""
    request_id = _state.request_id(request)
    logger.warning("request %s: database unavailable (%s)", request_id, type(exc).__name__)
    return _state.error_response(
        503,
        "database_unavailable",
        "the database is unavailable; retry shortly",
        request_id=request_id,
        headers={"Retry-After": "1"},
    )


async def internal_error(request: Request, exc: Exception) -> Response:
    """Anything unexpected: logged with the request id, answered without internals."""
    request_id = _state.request_id(request)
    logger.error("request %s failed with %s", request_id, type(exc).__name__, exc_info=exc)
    return _state.error_response(500, "internal_error", "internal error", request_id=request_id)
