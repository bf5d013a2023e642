"""Routes of replay and simulation: a run's recorded steps, and a definition run against them without side effects."""

from __future__ import annotations

from typing import Any

import yaml
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import definitions, errors, replay
from services.api import _state

OPENAPI_SCHEMAS: dict[str, Any] = yaml.safe_load(r"""
ReplaySteps:
  type: object
  required: [workflow_run_id, workflow_name, state, steps, total_checkpoints]
  properties:
    workflow_run_id: {type: string, format: uuid}
    workflow_name: {type: string}
    state: {type: string}
    total_checkpoints: {type: integer}
    steps:
      type: array
      items:
        type: object
        required: [name, has_checkpoint, status, attempts, position]
        properties:
          name: {type: string, description: the task id (a `resume_from` value when it has a checkpoint)}
          has_checkpoint: {type: boolean}
          status: {type: [string, 'null'], enum: [ok, error, null]}
          attempts: {type: integer}
          position: {type: [integer, 'null']}
SimulateRequest:
  type: object
  additionalProperties: false
  properties:
    workflow_definition: {type: object, description: 'the definition to simulate (default: the run''s own)'}
    resume_from: {type: string, maxLength: 255, description: a recorded step; the steps before it are not compared}
Simulation:
  type: object
  required: [workflow_run_id, workflow_name, definition, simulation_status, divergences, executed_steps,
             pending_steps, resume_from, skipped_steps, skipped_steps_count, run_state]
  properties:
    workflow_run_id: {type: string, format: uuid}
    workflow_name: {type: string}
    definition: {type: string, enum: [run, given]}
    simulation_status: {type: string, enum: [matches, diverged]}
    divergences:
      type: array
      description: the first divergence found (empty when the definition matches the recorded steps)
      items:
        type: object
        required: [step, step_name, position, kind, message]
        properties:
          step: {type: string}
          step_name: {type: string}
          position: {type: integer}
          kind: {type: string, enum: [name, function, order, inputs]}
          message: {type: string}
    executed_steps: {type: array, items: {type: string}, description: recorded steps replayed from their checkpoints}
    pending_steps: {type: array, items: {type: string}, description: tasks the run has not reached}
    resume_from: {type: [string, 'null']}
    skipped_steps: {type: array, items: {type: string}}
    skipped_steps_count: {type: integer}
    run_state: {type: string}
""")


async def get_replay_steps(request: Request) -> Response:
    """The run's tasks in plan order, each with whether it has a checkpoint (a `resume_from` for simulate).

    ---
    tags: [replay]
    x-role: viewer
    responses:
      200: {description: the steps, x-data: ReplaySteps}
    """
    principal = await _state.authenticate(request, require="viewer")
    run_id = _state.path_uuid(request, "workflow_run_id")
    steps = await _state.get(request).call(replay.replay_steps, principal.tenant_id, run_id)
    return _state.success(steps)


async def simulate_workflow(request: Request) -> Response:
    """Simulates a definition (the run's own, or `workflow_definition`) against the run's recorded steps.

    Nothing is executed and nothing changes: each recorded task checkpoint is compared, in commit order,
    with what the definition would do at that point given the recorded results before it. The answer
    names the first divergence: a recorded step the definition lacks (`name`), runs with another
    operator or tool (`function`), would start only after a task not done by then (`order`), or would
    call with other arguments (`inputs`). The body is optional.
    ---
    tags: [replay]
    x-role: viewer
    requestBody:
      required: false
      content:
        application/json:
          schema: {$ref: '#/components/schemas/SimulateRequest'}
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      200: {description: the simulation report, x-data: Simulation}
    """
    principal = await _state.authenticate(request, require="viewer")
    run_id = _state.path_uuid(request, "workflow_run_id")
    body: dict[str, Any] = {}
    if await request.body():
        body = await _state.read_json_object(request, ("workflow_definition", "resume_from"))
    definition = body.get("workflow_definition")
    if "workflow_definition" in body and not isinstance(definition, dict):
        raise errors.InvalidWorkflow("workflow_definition must be a JSON object")
    resume_from = body.get("resume_from")
    if resume_from is not None and (not isinstance(resume_from, str) or not 0 < len(resume_from) <= 255):
        raise errors.InvalidRequest("invalid_field", "'resume_from' must be a step name of 1 to 255 characters")
    idempotency = _state.idempotency(request, "simulate_workflow", {"run": str(run_id), **body})
    report = await _state.get(request).call(
        _simulate, principal.tenant_id, run_id, definition, resume_from, idempotency
    )
    return _state.success(report)


def _simulate(
    conn: Any, tenant_id: str, run_id: Any, definition: Any, resume_from: str | None, idempotency: Any
) -> dict[str, Any]:
    return definitions.once(
        conn,
        tenant_id,
        idempotency,
        lambda: replay.simulate(conn, tenant_id, run_id, definition, resume_from),
    )


routes = [
    Route("/api/v1/workflows/{workflow_run_id}/replay/steps", get_replay_steps, methods=["GET"]),
    Route("/api/v1/workflows/{workflow_run_id}/simulate", simulate_workflow, methods=["POST"]),
]
