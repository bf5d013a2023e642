"""Routes under /api/v1/workflows: submit a run, read a run."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import api_records, definitions, errors, runs, sandbox
from services.api import _changes, _state

MAX_IDEMPOTENCY_KEY_CHARS = 255
SUBMISSION_FIELDS = (
    "workflow_definition",
    "workflow_yaml",
    "python_dsl",
    "definition_name",
    "definition_version",
    "inputs",
)


async def submit_workflow(request: Request) -> Response:
    """POST /api/v1/workflows: `{"workflow_definition": {...}, "inputs": {...}}` → 201 with the run id.

    Instead of `workflow_definition`, a body may send `workflow_yaml` (the definition as YAML text),
    `python_dsl` (highway_dsl Python source, evaluated in a sandboxed child process) or
    `definition_name` (and `definition_version`) of a stored definition.
    """
    principal = await _state.authenticate(request)
    body = await _state.read_json_object(request, SUBMISSION_FIELDS)
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
    key = request.headers.get("x-idempotency-key")
    if key is not None and not 0 < len(key) <= MAX_IDEMPOTENCY_KEY_CHARS:
        raise errors.InvalidRequest(
            "bad_idempotency_key", f"X-Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY_CHARS} characters"
        )
    # Only a repeat of the key compares the hash.
    request_hash = None if key is None else hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    state = _state.get(request)
    submission = await _changes.change_recorded_by_itself(
        request,
        principal,
        _submit,
        principal,
        body_definition,
        body.get("inputs", {}),
        key,
        request_hash,
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
    key: str | None,
    request_hash: str | None,
    max_attempts: int,
    *,
    api_record: api_records.ApiRequest,
) -> runs.Submission:
    return runs.submit_run(
        conn,
        principal,
        definition=definition,
        inputs=inputs,
        idempotency_key=key,
        request_hash=request_hash,
        max_attempts=max_attempts,
        api_record=api_record,
    )


async def get_workflow(request: Request) -> Response:
    """GET /api/v1/workflows/{id}: the run's state, result, context, progress and error."""
    principal = await _state.authenticate(request)
    try:
        run_id = uuid.UUID(request.path_params["workflow_run_id"])
    except ValueError as err:
        raise errors.RunNotFound("workflow run ids are UUIDs") from err
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
