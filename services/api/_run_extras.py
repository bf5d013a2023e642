"""More read-only views of one run: one task's checkpoints, and the run's locks and sagas (none exist).

A task's checkpoints are read like every run view (see `_run_views`). The engine has no named locks
and no saga construct: those two views answer empty lists in the shape such a history would have, so
a client can ask every run the same question. Another tenant's run answers 404, as does an unknown one.
"""

from __future__ import annotations

import uuid
from typing import Any

import yaml
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import db, errors, runs
from services.api import _run_views, _state

OPENAPI_SCHEMAS: dict[str, Any] = yaml.safe_load(r"""
StepCheckpointList:
  type: object
  required: [workflow_run_id, step_name, items]
  properties:
    workflow_run_id: {type: string, format: uuid}
    step_name: {type: string, description: the task id}
    items: {type: array, items: {$ref: '#/components/schemas/StepCheckpoint'}}
StepCheckpoint:
  type: object
  required: [step_name, kind, frame, attempt, position, status, started_at, created_at, value]
  properties:
    step_name: {type: string, description: "`id`, `id#2` (its second attempt), `sleep:id`, `id/...`"}
    kind: {type: string, enum: [attempt, sleep, wait, inner]}
    frame: {type: string, description: "the loop iteration, such as `[2]`; empty outside loops"}
    attempt: {type: integer}
    position: {type: integer}
    status: {type: string}
    started_at: {type: string, format: date-time, description: "the latest time it can have started"}
    created_at: {type: string, format: date-time, description: when it committed}
    value: {description: the committed value}
RunLocks:
  type: object
  required: [workflow_run_id, locks, total_locks, active_locks, description]
  properties:
    workflow_run_id: {type: string, format: uuid}
    locks: {type: array, maxItems: 0, items: {type: object}}
    total_locks: {type: integer, const: 0}
    active_locks: {type: array, maxItems: 0, items: {type: object}}
    description: {type: string}
RunSagas:
  type: object
  required: [workflow_run_id, sagas, compensation_events, total_sagas, compensated_sagas, description]
  properties:
    workflow_run_id: {type: string, format: uuid}
    sagas: {type: array, maxItems: 0, items: {type: object}}
    compensation_events: {type: array, maxItems: 0, items: {type: object}}
    total_sagas: {type: integer, const: 0}
    compensated_sagas: {type: integer, const: 0}
    description: {type: string}
""")


async def list_step_checkpoints(request: Request) -> Response:
    """The checkpoints of one task of the run (`step_name` is its task id), in commit order.

    Each has its name, kind (attempt, sleep, wait, inner for a durable step inside the task's tool),
    loop iteration frame, attempt number, position, status, times and committed value. A task that
    has not run yet has none; a name the run's definition does not have answers 404.
    ---
    tags: [runs]
    x-role: viewer
    responses:
      200: {description: the task's checkpoints, x-data: StepCheckpointList}
    """
    history = await _run_views._history(request)
    task_id = request.path_params["step_name"]
    if task_id not in _run_views._tasks(history.run["definition"]):
        raise errors.RunNotFound(f"the run's definition has no task {task_id!r}")
    items = [
        {
            "step_name": c.row["step_name"],
            "kind": c.kind,
            "frame": c.frame,
            "attempt": c.attempt,
            "position": c.row["position"],
            "status": c.row["status"],
            "started_at": _run_views.iso_time(c.started_at),
            "created_at": _run_views.iso_time(c.finished_at),
            "value": c.row["state"],
        }
        for c in _run_views.checkpoints_of(history)
        if c.task_id == task_id
    ]
    return _state.success(
        {"workflow_run_id": str(history.run["workflow_run_id"]), "step_name": task_id, "items": items}
    )


async def list_locks(request: Request) -> Response:
    """The named locks the run holds or held: always none, as the engine has no lock operator or tool.

    Runs serialize on their own rows and on event names inside the engine's transactions; nothing a
    workflow declares takes a lock that outlives a transaction, so there is nothing to list. The
    answer keeps the shape a lock history would have.
    ---
    tags: [runs]
    x-role: viewer
    responses:
      200: {description: "`locks` and `active_locks`, both empty", x-data: RunLocks}
    """
    run = await _run(request)
    return _state.success(
        {
            "workflow_run_id": str(run["workflow_run_id"]),
            "locks": [],
            "total_locks": 0,
            "active_locks": [],
            "description": "the engine has no named locks: a workflow cannot take one",
        }
    )


async def list_sagas(request: Request) -> Response:
    """The run's sagas and compensation events: always none, as the engine has no saga construct.

    A task's `on_failure` handler is the nearest thing (see the run's steps and graph); no compensation
    is recorded as such. The answer keeps the shape a saga history would have.
    ---
    tags: [runs]
    x-role: viewer
    responses:
      200: {description: "`sagas` and `compensation_events`, both empty", x-data: RunSagas}
    """
    run = await _run(request)
    return _state.success(
        {
            "workflow_run_id": str(run["workflow_run_id"]),
            "sagas": [],
            "compensation_events": [],
            "total_sagas": 0,
            "compensated_sagas": 0,
            "description": "the engine has no sagas: on_failure handlers are the nearest thing",
        }
    )


async def _run(request: Request) -> db.Row:
    principal = await _state.authenticate(request, require="viewer")
    try:
        run_id = uuid.UUID(request.path_params["workflow_run_id"])
    except ValueError as err:
        raise errors.RunNotFound("workflow run ids are UUIDs") from err
    return await _state.get(request).call(runs.find_run_queue, principal.tenant_id, run_id)


routes = [
    Route("/api/v1/workflows/{workflow_run_id}/steps/{step_name}/checkpoints", list_step_checkpoints, methods=["GET"]),
    Route("/api/v1/workflows/{workflow_run_id}/locks", list_locks, methods=["GET"]),
    Route("/api/v1/workflows/{workflow_run_id}/sagas", list_sagas, methods=["GET"]),
]
