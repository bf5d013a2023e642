"""Routes that act on one run: cancel it, retry it, post an event to it, diagnose it.

Cancel, retry and events honour X-Idempotency-Key (scoped by tenant and route; the run id is part of
the request): the same key with the same request answers the first answer again without acting again,
and with another request it is a 409 `idempotency_conflict`.
"""

from __future__ import annotations

import uuid
from typing import Any

import yaml
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import db, diagnosis, runs, tenants
from services.api import _changes, _state

OPENAPI_SCHEMAS: dict[str, Any] = yaml.safe_load(
    r"""
CancelledRun:
  type: object
  required: [workflow_run_id, state]
  properties:
    workflow_run_id: {type: string, format: uuid}
    state: {const: cancelled}
RetriedRun:
  type: object
  required: [workflow_run_id, new_workflow_run_id, retry_of]
  properties:
    workflow_run_id: {type: string, format: uuid, description: the new run (as new_workflow_run_id)}
    new_workflow_run_id: {type: string, format: uuid}
    retry_of: {type: string, format: uuid, description: the run retried}
EventRequest:
  type: object
  required: [event_name]
  additionalProperties: false
  properties:
    event_name: {type: string, minLength: 1, maxLength: 200, description: "no NUL"}
    payload: {type: object, description: "at most 65536 bytes as JSON; default {}"}
PostedEvent:
  type: object
  required: [workflow_run_id, event_name, sequence, woken]
  properties:
    workflow_run_id: {type: string, format: uuid}
    event_name: {type: string}
    sequence: {type: integer, description: "its place in the stream of that name"}
    woken: {type: integer, minimum: 0, description: "runs it woke at once"}
Diagnosis:
  type: object
  required: [workflow_run_id, state, queue, reason, attempt]
  properties:
    workflow_run_id: {type: string, format: uuid}
    state: {type: string, enum: [pending, running, sleeping, waiting, completed, failed, cancelled]}
    queue: {type: string}
    reason: {type: string, description: one sentence}
    attempt:
      type: [object, "null"]
      description: "the run's queue attempt, or null"
      properties:
        attempt: {type: integer}
        state: {type: string}
        claimed_by: {type: [string, "null"]}
        lease_expires_at: {type: [string, "null"], format: date-time}
        available_at: {type: [string, "null"], format: date-time}
        waiting_for_event: {type: [string, "null"]}
        wait_timeout_at: {type: [string, "null"], format: date-time}
"""
)


async def cancel_workflow(request: Request) -> Response:
    """Cancels a run that has not finished; a finished one is a 409 `not_cancellable`.

    ---
    tags: [workflows]
    x-role: operator
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      200: {description: the cancelled run, x-data: CancelledRun}
    """
    principal = await _state.authenticate(request)
    run_id = _run_id(request)

    def cancel(conn: db.Connection) -> dict[str, Any]:
        runs.cancel_run(conn, principal.tenant_id, run_id)
        return {"workflow_run_id": str(run_id), "state": "cancelled"}

    idempotency = _state.idempotency(request, "cancel_workflow", {"workflow_run_id": str(run_id)})
    cancelled = await _changes.change(request, principal, tenants.once, principal.tenant_id, idempotency, cancel)
    return _state.success(cancelled)


async def retry_workflow(request: Request) -> Response:
    """Starts a new run of a failed or cancelled run, resuming at the step that failed; 201 with its id.

    Any other state is a 409 `not_retryable`.
    ---
    tags: [workflows]
    x-role: operator
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      201:
        description: the new run
        x-data: RetriedRun
        links:
          GetRetriedWorkflow:
            operationId: get_workflow
            parameters: {workflow_run_id: '$response.body#/data/new_workflow_run_id'}
    """
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
    """Posts an event owned by the run: `{"event_name": ..., "payload": {...}}`; 201.

    Every post is kept (`sequence` is its place in the stream of that name) and taken by waits in order;
    `woken` counts the runs it woke at once (0: it waits for the next wait of that name). A bad name or
    payload is a 400 `invalid_event`.
    ---
    tags: [workflows]
    x-role: operator
    x-body: EventRequest
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      201: {description: the event was kept, x-data: PostedEvent}
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
    """Why the run is (or is not) moving, in one sentence and the facts.

    ---
    tags: [workflows]
    x-role: viewer
    responses:
      200: {description: the diagnosis, x-data: Diagnosis}
    """
    principal = await _state.authenticate(request)
    found = await _state.get(request).call(diagnosis.diagnose, principal.tenant_id, _run_id(request))
    return _state.success(found)


def _run_id(request: Request) -> uuid.UUID:
    return _state.path_uuid(request, "workflow_run_id")


routes = [
    Route("/api/v1/workflows/{workflow_run_id}/cancel", cancel_workflow, methods=["POST"]),
    Route("/api/v1/workflows/{workflow_run_id}/retry", retry_workflow, methods=["POST"]),
    Route("/api/v1/workflows/{workflow_run_id}/events", post_event, methods=["POST"]),
    Route("/api/v1/workflows/{workflow_run_id}/diagnosis", diagnose_workflow, methods=["GET"]),
]
