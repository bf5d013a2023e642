"""Routes under /api/v1/workflows: submit a run, read a run."""

from __future__ import annotations

from typing import Any

import anyio
import yaml
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import api_records, definitions, errors, runs, sandbox, tenants
from services.api import _changes, _state

OPENAPI_SCHEMAS: dict[str, Any] = yaml.safe_load(
    r"""
SubmissionRequest:
  type: object
  description: "exactly one of workflow_definition, workflow_yaml, python_dsl and definition_name"
  additionalProperties: false
  properties:
    workflow_definition:
      type: object
      description: "a highway_dsl workflow (Workflow.model_dump(mode='json')): name, version, start_task, tasks"
    workflow_yaml: {type: string, minLength: 1, maxLength: 200000, description: the definition as YAML text}
    python_dsl: {type: string, minLength: 1, maxLength: 200000, description: "highway_dsl source defining it"}
    definition_name: {type: string, minLength: 1, description: "a stored definition's name"}
    definition_version: {type: integer, minimum: 1, description: "its version; the latest when absent"}
    inputs: {type: object, description: "the run's inputs, default {}"}
  example:
    workflow_definition:
      name: contract_example
      version: 1.0.0
      start_task: pause
      tasks:
        pause: {task_id: pause, operator_type: wait, wait_for: "event:contract_go"}
    inputs: {}
Submission:
  type: object
  required: [workflow_run_id]
  properties:
    workflow_run_id: {type: string, format: uuid}
Run:
  type: object
  required: [workflow_run_id, workflow_name, workflow_version, state, result, context, current_step, progress,
             error, parent_run_id, created_at, started_at, finished_at, updated_at]
  properties:
    workflow_run_id: {type: string, format: uuid}
    workflow_name: {type: string}
    workflow_version: {type: string}
    state: {type: string, enum: [pending, running, sleeping, waiting, completed, failed, cancelled]}
    result: {description: "the run's result once completed, else null"}
    context: {type: [object, "null"], description: "the results of its steps so far, by result_key"}
    current_step: {type: [string, "null"]}
    progress:
      type: object
      required: [completed, total]
      properties: {completed: {type: integer, minimum: 0}, total: {type: integer, minimum: 0}}
    error: {description: "why it failed, or null"}
    parent_run_id: {type: [string, "null"], format: uuid}
    created_at: {type: string, format: date-time}
    started_at: {type: [string, "null"], format: date-time}
    finished_at: {type: [string, "null"], format: date-time}
    updated_at: {type: string, format: date-time}
"""
)
SUBMISSION_FIELDS = (
    "workflow_definition",
    "workflow_yaml",
    "python_dsl",
    "definition_name",
    "definition_version",
    "inputs",
)


async def submit_workflow(request: Request) -> Response:
    """Submits a workflow run; 201 with its id.

    The body sends the definition one of four ways: `workflow_definition` (the highway_dsl JSON object),
    `workflow_yaml` (the same as YAML text), `python_dsl` (highway_dsl Python source, evaluated in a sandboxed
    child process) or `definition_name` (and `definition_version`, else the latest) of a stored definition;
    `inputs` is a JSON object. With X-Idempotency-Key a repeat of the same body answers the run the key created
    (201 again, no new run); another body with that key is a 409 `idempotency_conflict` naming
    `existing_run_id`. A definition that cannot run is a 400 `invalid_workflow`; an unknown
    `definition_name`/`definition_version` a 404.
    ---
    tags: [workflows]
    x-role: operator
    x-body: SubmissionRequest
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      201:
        description: the run was submitted (or a replay found the key's run)
        x-data: Submission
        links:
          GetWorkflow:
            operationId: get_workflow
            parameters: {workflow_run_id: '$response.body#/data/workflow_run_id'}
          CancelWorkflow:
            operationId: cancel_workflow
            parameters: {workflow_run_id: '$response.body#/data/workflow_run_id'}
          RetryWorkflow:
            operationId: retry_workflow
            parameters: {workflow_run_id: '$response.body#/data/workflow_run_id'}
          PostEvent:
            operationId: post_event
            parameters: {workflow_run_id: '$response.body#/data/workflow_run_id'}
          DiagnoseWorkflow:
            operationId: diagnose_workflow
            parameters: {workflow_run_id: '$response.body#/data/workflow_run_id'}
      404: {$ref: '#/components/responses/NotFound'}
    """
    principal = await _state.authenticate(request)
    body = await _state.read_json_object(request, SUBMISSION_FIELDS)
    idempotency = _state.idempotency(request, "submit_workflow", body)
    if "definition_name" in body:
        body_definition = await _stored_definition(request, principal, body)
    elif "python_dsl" in body or "workflow_yaml" in body:
        if sum(field in body for field in ("workflow_definition", "python_dsl", "workflow_yaml")) > 1:
            raise errors.InvalidRequest(
                "conflicting_fields", "send one of 'workflow_definition', 'workflow_yaml' and 'python_dsl'"
            )
        if "workflow_yaml" in body:
            body_definition = sandbox.definition_from_yaml(body["workflow_yaml"])
        else:
            body_definition = await anyio.to_thread.run_sync(sandbox.definition_from_python_dsl, body["python_dsl"])
    elif "workflow_definition" not in body:
        raise errors.InvalidRequest(
            "missing_field", "the body needs 'workflow_definition', 'workflow_yaml', 'python_dsl' or 'definition_name'"
        )
    else:
        body_definition = body["workflow_definition"]
    state = _state.get(request)
    submission = await _changes.change_recorded_by_itself(
        request,
        principal,
        _submit,
        principal,
        body_definition,
        body.get("inputs", {}),
        idempotency,
        state.settings.root_task_max_attempts,
    )
    return _state.success({"workflow_run_id": str(submission.workflow_run_id)}, status=201)


async def _stored_definition(request: Request, principal: Any, body: dict[str, Any]) -> Any:
    """The stored definition a body names (`definition_name`, `definition_version` or the latest)."""
    name, version = body["definition_name"], body.get("definition_version")
    if "workflow_definition" in body:
        raise errors.InvalidRequest("conflicting_fields", "send 'workflow_definition' or 'definition_name', not both")
    if not isinstance(name, str) or not name:
        raise errors.InvalidRequest("invalid_field", "'definition_name' must be a non-empty string")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int) or version < 1):
        raise errors.InvalidRequest("invalid_field", "'definition_version' must be an integer from 1 (or absent)")
    stored = await _state.get(request).call(definitions.get_definition_version, principal.tenant_id, name, version)
    return stored.definition


def _submit(
    conn: Any,
    principal: Any,
    definition: Any,
    inputs: Any,
    idempotency: tenants.Idempotency | None,
    max_attempts: int,
    *,
    api_record: api_records.ApiRequest,
) -> runs.Submission:
    return runs.submit_run(
        conn,
        principal,
        definition=definition,
        inputs=inputs,
        # The run's own table keeps submission keys (a replay answers the run it created): only the check and
        # the hash of the request are `_state.idempotency`'s.
        idempotency_key=None if idempotency is None else idempotency.key,
        request_hash=None if idempotency is None else idempotency.request_hash,
        max_attempts=max_attempts,
        api_record=api_record,
    )


async def get_workflow(request: Request) -> Response:
    """Reads a run: its state, result, context, current step, progress and error.

    ---
    tags: [workflows]
    x-role: viewer
    responses:
      200: {description: the run, x-data: Run}
    """
    principal = await _state.authenticate(request)
    run_id = _state.path_uuid(request, "workflow_run_id")
    row = await _state.get(request).call(runs.get_run, principal.tenant_id, run_id)
    return _state.success(
        {
            "workflow_run_id": str(row["workflow_run_id"]),
            "workflow_name": row["workflow_name"],
            "workflow_version": row["workflow_version"],
            "state": row["state"],
            "result": row["result"],
            "context": row["context"],
            "current_step": row["current_step"],
            "progress": {"completed": row["progress_completed"], "total": row["progress_total"]},
            "error": row["error"],
            "parent_run_id": None if row["parent_run_id"] is None else str(row["parent_run_id"]),
            **{name: _timestamp(row[name]) for name in ("created_at", "started_at", "finished_at", "updated_at")},
        }
    )


def _timestamp(value: Any) -> str | None:
    return None if value is None else value.isoformat()


routes = [
    Route("/api/v1/workflows", submit_workflow, methods=["POST"]),
    Route("/api/v1/workflows/{workflow_run_id}", get_workflow, methods=["GET"]),
]
