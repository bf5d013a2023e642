"""Routes that act on one run: cancel it, retry it, post an event to it, diagnose it."""

from __future__ import annotations

import uuid

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import diagnosis, errors, runs
from services.api import _changes, _state


async def cancel_workflow(request: Request) -> Response:
    """POST /api/v1/workflows/{id}/cancel: cancels a run that has not finished (409 when it has)."""
    principal = await _state.authenticate(request)
    run_id = _run_id(request)
    await _changes.change(request, principal, runs.cancel_run, principal.tenant_id, run_id)
    return _state.success({"workflow_run_id": str(run_id), "state": "cancelled"})


async def retry_workflow(request: Request) -> Response:
    """POST /api/v1/workflows/{id}/retry: a new run of a failed or cancelled run, resuming at the failed step."""
    principal = await _state.authenticate(request)
    run_id = _run_id(request)
    state = _state.get(request)
    new_run_id = await _changes.change(
        request, principal, runs.retry_run, principal.tenant_id, run_id, state.settings.root_task_max_attempts
    )
    return _state.success(
        {"workflow_run_id": str(new_run_id), "new_workflow_run_id": str(new_run_id), "retry_of": str(run_id)},
        status=201,
    )


async def post_event(request: Request) -> Response:
    """POST /api/v1/workflows/{id}/events: `{"event_name": ..., "payload": {...}}`, owned by that run."""
    principal = await _state.authenticate(request)
    run_id = _run_id(request)
    body = await _state.read_json_object(request)
    event_name, payload = body.get("event_name"), body.get("payload", {})
    woken = await _changes.change(request, principal, runs.post_event, principal.tenant_id, run_id, event_name, payload)
    return _state.success({"workflow_run_id": str(run_id), "event_name": event_name, "woken": woken}, status=201)


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
