"""Routes that act on one run: cancel it, retry it, post an event to it, diagnose it.

Cancel, retry and events honour X-Idempotency-Key (scoped by tenant and route; the run id is part of
the request): the same key with the same request answers the first answer again without acting again,
and with another request it is a 409 `idempotency_conflict`.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import db, diagnosis, errors, runs, tenants
from services.api import _changes, _state


async def cancel_workflow(request: Request) -> Response:
    """POST /api/v1/workflows/{id}/cancel: cancels a run that has not finished (409 when it has)."""
    principal = await _state.authenticate(request)
    run_id = _run_id(request)

    def cancel(conn: db.Connection) -> dict[str, Any]:
        runs.cancel_run(conn, principal.tenant_id, run_id)
        return {"workflow_run_id": str(run_id), "state": "cancelled"}

    idempotency = _state.idempotency(request, "cancel_workflow", {"workflow_run_id": str(run_id)})
    cancelled = await _changes.change(request, principal, tenants.once, principal.tenant_id, idempotency, cancel)
    return _state.success(cancelled)


async def retry_workflow(request: Request) -> Response:
    """POST /api/v1/workflows/{id}/retry: a new run of a failed or cancelled run, resuming at the failed step."""
    principal = await _state.authenticate(request)
    run_id = _run_id(request)
    max_attempts = _state.get(request).settings.root_task_max_attempts

    def retry(conn: db.Connection) -> dict[str, Any]:
        new_run_id = str(runs.retry_run(conn, principal.tenant_id, run_id, max_attempts))
        return {"workflow_run_id": new_run_id, "new_workflow_run_id": new_run_id, "retry_of": str(run_id)}

    idempotency = _state.idempotency(request, "retry_workflow", {"workflow_run_id": str(run_id)})
    retried = await _changes.change(
        request,
        principal,
        tenants.once,
        principal.tenant_id,
        idempotency,
        retry,
        run_of=lambda answer: uuid.UUID(answer["new_workflow_run_id"]),
    )
    return _state.success(retried, status=201)


async def post_event(request: Request) -> Response:
    """POST /api/v1/workflows/{id}/events: `{"event_name": ..., "payload": {...}}`, owned by that run.

    Every post is kept (`sequence` is its place in the stream of that name) and taken by waits in order;
    `woken` counts the runs it woke at once (0: it waits for the next wait of that name).
    """
    principal = await _state.authenticate(request)
    run_id = _run_id(request)
    body = await _state.read_json_object(request, ("event_name", "payload"))
    event_name: Any = body.get("event_name")  # runs.post_event checks it and the payload before any SQL
    payload: Any = body.get("payload", {})

    def post(conn: db.Connection) -> dict[str, Any]:
        emitted = runs.post_event(conn, principal.tenant_id, run_id, event_name, payload)
        return {
            "workflow_run_id": str(run_id),
            "event_name": event_name,
            "sequence": emitted.sequence,
            "woken": emitted.woken,
        }

    idempotency = _state.idempotency(request, "post_event", {"workflow_run_id": str(run_id), **body})
    posted = await _changes.change(request, principal, tenants.once, principal.tenant_id, idempotency, post)
    return _state.success(posted, status=201)


async def diagnose_workflow(request: Request) -> Response:
    """GET /api/v1/workflows/{id}/diagnosis: why the run is (or is not) moving, in one sentence and the facts."""
    principal = await _state.authenticate(request)
    found = await _state.get(request).call(diagnosis.diagnose, principal.tenant_id, _run_id(request))
    return _state.success(found)


def _run_id(request: Request) -> uuid.UUID:
    try:
        return uuid.UUID(request.path_params["workflow_run_id"])
    except ValueError as err:
        raise errors.RunNotFound("workflow run ids are UUIDs") from err


routes = [
    Route("/api/v1/workflows/{workflow_run_id}/cancel", cancel_workflow, methods=["POST"]),
    Route("/api/v1/workflows/{workflow_run_id}/retry", retry_workflow, methods=["POST"]),
    Route("/api/v1/workflows/{workflow_run_id}/events", post_event, methods=["POST"]),
    Route("/api/v1/workflows/{workflow_run_id}/diagnosis", diagnose_workflow, methods=["GET"]),
]
