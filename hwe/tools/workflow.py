"""`tools.workflow.*`: waiting for parallel branches, and running a stored workflow as a child run.

- `wait_for_parallel_branches(handle, timeout_seconds=300)`: the join of a fork-only `parallel`
  (or `multi_choice`): waits until every branch run it started finished. Returns
  `{branch: {workflow_run_id, status, result, error, tasks}}`; fails, naming them, when a branch
  did not complete or the timeout passed. A `join` placed after it reads the branches' task states.
- `execute(workflow_name | definition_id | workflow_id, inputs={}, version=None, timeout_seconds=None)`:
  starts the stored workflow (the latest version unless `version` is given; `definition_id` is a
  content hash) as a child run and waits for it. Returns `{workflow_run_id, status, result}`;
  fails when the child did not complete.
While waiting the run is `waiting` and holds no worker.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from hwe import children, db, definitions, errors, runs, tools

DEFAULT_BRANCH_TIMEOUT_SECONDS = 300.0


@tools.register("tools.workflow.wait_for_parallel_branches")
async def wait_for_parallel_branches(call: tools.ToolCall) -> dict[str, Any]:
    """Waits for the branch runs named by a fork handle (`{{fork_data}}`)."""
    ctx = _context(call)
    unknown = set(call.kwargs) - {"timeout_seconds"}
    if len(call.args) != 1 or unknown:
        raise errors.PermanentError(
            "tools.workflow.wait_for_parallel_branches takes one argument, the parallel task's result "
            "(args: ['{{fork_data}}']), and the keyword 'timeout_seconds'"
        )
    timeout = _positive(call.kwargs.get("timeout_seconds", DEFAULT_BRANCH_TIMEOUT_SECONDS), "timeout_seconds")
    branches = _branches(call.args[0])
    waiting = {name: (branch["workflow_run_id"], list(branch.get("task_ids", []))) for name, branch in branches.items()}
    outcomes = await children.await_children(ctx, call.step_prefix, waiting, timeout)
    problem = children.unfinished(outcomes)
    if problem:
        raise errors.PermanentError(f"parallel branch(es) did not complete: {problem}")
    return outcomes


@tools.register("tools.workflow.execute")
async def execute(call: tools.ToolCall) -> dict[str, Any]:
    """Runs a stored workflow of the tenant as a child run and returns its outcome."""
    ctx = _context(call)
    allowed = {"workflow_name", "workflow_id", "definition_id", "inputs", "version", "timeout_seconds"}
    unknown = set(call.kwargs) - allowed
    names = [key for key in ("workflow_name", "workflow_id", "definition_id") if call.kwargs.get(key) is not None]
    if call.args or unknown or len(names) != 1:
        raise errors.PermanentError(
            "tools.workflow.execute takes keywords only: exactly one of 'workflow_name', 'workflow_id' or "
            "'definition_id', and 'inputs', 'version', 'timeout_seconds'"
        )
    inputs = call.kwargs.get("inputs") or {}
    if not isinstance(inputs, dict):
        raise errors.PermanentError("tools.workflow.execute: 'inputs' must be an object")
    timeout = call.kwargs.get("timeout_seconds")
    timeout = None if timeout is None else _positive(timeout, "timeout_seconds")
    by = names[0]
    # Filled by the start step's body, which reads the stored definition only until the step
    # commits; a replay after that returns the committed child id and reads nothing.
    found: list[definitions.StoredDefinition] = []

    async def prepare() -> dict[str, Any]:
        try:
            stored = await ctx.read(_find_definition, ctx.tenant_id, by, call.kwargs[by], call.kwargs.get("version"))
        except errors.DefinitionNotFound as err:
            raise errors.PermanentError(f"tools.workflow.execute: {err}") from err
        found.append(stored)
        return {"workflow_run_id": str(uuid.uuid4()), "task_ids": list(stored.definition.get("tasks") or {})}

    def start(result: dict[str, Any], conn: db.Connection) -> None:
        stored = found[0]
        try:
            runs.start_child_run(
                conn,
                ctx.tenant_id,
                ctx.queue_name,
                workflow_run_id=uuid.UUID(result["workflow_run_id"]),
                parent_run_id=ctx.workflow_run_id,
                definition=stored.definition,
                inputs=inputs,
                max_attempts=ctx.max_attempts,
            )
        except errors.InvalidWorkflow as err:
            raise errors.PermanentError(f"tools.workflow.execute: cannot start {stored.name!r}: {err}") from err

    child = await ctx.step(f"{call.step_prefix}start", prepare, also=start)
    waiting = {"child": (child["workflow_run_id"], child["task_ids"])}
    outcome = (await children.await_children(ctx, call.step_prefix, waiting, timeout))["child"]
    if outcome["status"] != "completed":
        message = (outcome["error"] or {}).get("message", "")
        raise errors.PermanentError(f"child run {outcome['workflow_run_id']} {outcome['status']}: {message}")
    return {"workflow_run_id": outcome["workflow_run_id"], "status": outcome["status"], "result": outcome["result"]}


def _find_definition(
    conn: db.Connection, tenant_id: str, by: str, value: Any, version: Any
) -> definitions.StoredDefinition:
    if by == "definition_id":
        found = definitions.find_definition_by_hash(conn, tenant_id, str(value))
        if found is None:
            raise errors.DefinitionNotFound(f"no stored definition with content hash {value!r}")
        return found
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        raise errors.DefinitionNotFound(f"version must be an integer, not {version!r}")
    return definitions.get_definition_version(conn, tenant_id, str(value), version)


def _context(call: tools.ToolCall) -> Any:
    if call.context is None:
        raise errors.PermanentError(f"{call.tool_name} needs a durable context")
    return call.context


def _branches(handle: Any) -> dict[str, dict[str, Any]]:
    # The handle arrives as the object itself when the argument is exactly one template, or as
    # JSON text when it was embedded in a longer string.
    if isinstance(handle, str):
        try:
            handle = json.loads(handle)
        except ValueError:
            handle = None
    branches = handle.get("branches") if isinstance(handle, dict) else None
    if not isinstance(branches, dict) or not all(
        isinstance(b, dict) and _is_uuid(b.get("workflow_run_id")) for b in branches.values()
    ):
        raise errors.PermanentError(
            "tools.workflow.wait_for_parallel_branches: the argument is not a parallel task's result "
            "(pass '{{<its result_key>}}')"
        )
    return branches


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return isinstance(value, str)


def _positive(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise errors.PermanentError(f"{name} must be a positive number of seconds")
    return float(value)
