"""Runs a request's change and records it in the audit trail: in the change's transaction, or after its rollback.

Every endpoint that changes something calls `change` (or `change_recorded_by_itself`) instead of
`ApiState.call`. The record names the tenant, the key's public prefix, the method, the route template and the
resource the route names (its type from the route's collection, its id from the route's parameter), never a body
or a value.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
from starlette.requests import Request

from hwe import api_records, db, tenants
from services.api import _state

T = TypeVar("T")
logger = logging.getLogger(__name__)

# The route's collection segment → the resource type a record names (the SDK's `resource_type`).
_RESOURCE_TYPES = {
    "workflows": "workflow_run",
    "definitions": "workflow_definition",
    "api-keys": "api_key",
    "tenants": "tenant",
    "schedules": "schedule",
    "approvals": "approval",
    "apps": "app",
    "artifacts": "artifact",
    "webhooks": "webhook",
    "deliveries": "webhook_delivery",
    "workers": "worker",
    "circuit-breakers": "circuit_breaker",
    "idempotency": "idempotency_key",
    "schemas": "workflow_definition",
    "users": "user",
    "roles": "user_role",
    "tokens": "api_token",
    "invitations": "invitation",
}


async def change(
    request: Request,
    principal: tenants.Principal,
    fn: Callable[..., T],
    *args: Any,
    run_of: Callable[[T], uuid.UUID] | None = None,
) -> T:
    """Runs `fn(conn, *args)` in one transaction with the request's audit record, and returns its result.

    When `fn` raises, its transaction (the record with it) rolls back, and a record of the refusal, naming the
    error's class, is written in a transaction of its own on another pooled connection; then the error goes on.

    Args:
        request: the request making the change.
        principal: who authenticated it.
        fn: the engine function that makes the change.
        args: its arguments after the connection.
        run_of: for a request that creates a run, how to find the run's id in the result.
    """
    record = _record(request, principal)

    def run(conn: db.Connection) -> T:
        with conn.transaction():
            result = fn(conn, *args)
            api_records.append_api_record(conn, record, "ok", None if run_of is None else run_of(result))
        return result

    state = _state.get(request)
    try:
        return await state.call(run)
    except Exception as err:
        await record_separately(request, record, type(err).__name__)
        raise


async def change_recorded_by_itself(
    request: Request, principal: tenants.Principal, fn: Callable[..., T], *args: Any
) -> T:
    """Runs `fn(conn, *args, api_record=record)`, which writes the request's `ok` record itself, and returns its result.

    For a change made in one statement that can carry its record (a submission): with no transaction wrapped
    around it, it takes one round trip and one commit instead of four. When `fn` raises, nothing of it may
    have committed; the refusal is recorded as by `change`.
    """
    record = _record(request, principal)
    try:
        return await _state.get(request).call(functools.partial(fn, api_record=record), *args)
    except Exception as err:
        await record_separately(request, record, type(err).__name__)
        raise


async def record_separately(request: Request, record: api_records.ApiRequest, outcome: str) -> None:
    """Writes a request's record in a transaction of its own (a change that did not happen, or a public one that
    committed without a record); never raises."""
    with anyio.CancelScope(shield=True):
        try:
            await _state.get(request).call(api_records.append_api_record, record, outcome)
        except Exception as err:  # the refusal itself must reach the caller, not this record's failure
            logger.error("could not record request %s: %s", record.request_id, type(err).__name__)


async def record_public_change(request: Request, tenant_id: str) -> None:
    """Writes the record of a change made by a public request (no key: an accepted invitation), once the change has
    committed and named its tenant, in a transaction of its own; never raises."""
    record = _record(request, tenants.Principal(tenant_id=tenant_id, role="viewer", queue_name=""))
    await record_separately(request, record, "ok")


def _record(request: Request, principal: tenants.Principal) -> api_records.ApiRequest:
    route: str | None = getattr(request.scope.get("route"), "path", None)
    if route is None:  # not as getattr's default: building request.url costs more than the rest of the record
        route = request.url.path
    resource_type, resource_id = _resource(route, request.path_params)
    return api_records.ApiRequest(
        tenant_id=principal.tenant_id,
        key_prefix=principal.key_prefix,
        method=request.method,
        route=route,
        request_id=_state.request_id(request),
        resource_type=resource_type,
        resource_id=resource_id,
        workflow_run_id=_run_id(request.path_params.get("workflow_run_id")),
    )


def _resource(route: str, params: dict[str, Any]) -> tuple[str, str | None]:
    """The last collection of the route, and the value of the parameter that follows it (if any)."""
    segments = route.removeprefix("/api/v1/").split("/")
    found: tuple[str, str | None] = ("api", None)
    for index, segment in enumerate(segments):
        if segment in _RESOURCE_TYPES:
            following = segments[index + 1] if index + 1 < len(segments) else ""
            name = following[1:-1] if following.startswith("{") else None
            found = (_RESOURCE_TYPES[segment], None if name is None else str(params.get(name))[:200])
    return found


def _run_id(raw: Any) -> uuid.UUID | None:
    try:
        return None if raw is None else uuid.UUID(str(raw))
    except ValueError:
        return None
