"""Child runs: how a run that has a parent tells it that it finished, and how the parent reads it.

A parallel branch, a child workflow and an activity are each a run of their own with a
`parent_run_id`. When such a run finishes (completed, failed or cancelled, by whatever path:
its worker, a cancel, a deadline, an expired lease) the same transaction emits the event
`run_finished:<its id>`, owned by the child, in its tenant. The parent waits for that event like
any other, so it holds no worker meanwhile, and an event emitted before it waits is kept for it.
The payload carries the status, the error and, when it fits, the result (the child's output).
`await_children` is how a parent's step waits for a set of children. Never commits.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from typing import TYPE_CHECKING, Any

from hwe import db, errors, events

if TYPE_CHECKING:
    from hwe import durable

# The result travels in the event when it is small; a parent reads a larger one from the run.
_MAX_RESULT_BYTES = 32_768
_TASK_STATES = {"ok": "success", "error": "failed", None: "skipped"}


def finished_event(workflow_run_id: uuid.UUID | str) -> str:
    """The event a child run emits when it finishes."""
    return f"run_finished:{workflow_run_id}"


def notify_parent(conn: db.Connection, child: db.Row) -> None:
    """Emits `run_finished:<id>` for a run that just finished, when it has a parent; else does nothing.

    Called in the transaction that finished the run, with the row its finishing statement returned
    (workflow_run_id, parent_run_id, tenant_id, queue_name, state, result, error).
    """
    if child["parent_run_id"] is None:
        return
    payload: dict[str, Any] = {
        "workflow_run_id": str(child["workflow_run_id"]),
        "status": child["state"],
        "error": child["error"],
    }
    result = _output(child["result"])
    if len(json.dumps(result)) <= _MAX_RESULT_BYTES:
        payload["result"] = result
    else:
        payload["result_omitted"] = True
    events.emit_event(
        conn,
        child["queue_name"],
        tenant_id=child["tenant_id"],
        workflow_run_id=child["workflow_run_id"],
        event_name=finished_event(child["workflow_run_id"]),
        payload=payload,
    )


def read_outcomes(
    conn: db.Connection, tenant_id: str, queue_name: str, task_ids: dict[str, list[str]]
) -> dict[str, dict[str, Any]]:
    """Reads how a parent's child runs stand: `{run id: {workflow_run_id, status, result, error, tasks}}`.

    The children are on the parent's queue `queue_name`. `task_ids` maps each child run id to its
    top-level task ids; `tasks` gives each one's state (`success`, `failed`, or `skipped` when it
    never ran) from the child's own checkpoints. A join over branch tasks reads them.
    """
    rows = db.execute(
        conn, "find_child_runs", {"tenant_id": tenant_id, "workflow_run_ids": list(task_ids)}, queue=queue_name
    )
    outcomes: dict[str, dict[str, Any]] = {}
    for row in rows:
        run_id = str(row["workflow_run_id"])
        outcomes[run_id] = {
            "workflow_run_id": run_id,
            "status": row["state"],
            "result": _output(row["result"]),
            "error": row["error"],
            "tasks": {task_id: _TASK_STATES[row["step_statuses"].get(task_id)] for task_id in task_ids[run_id]},
        }
    return outcomes


def _output(run_result: Any) -> Any:
    # A run's result is {"output": <its last task's result>, ...}; a parent sees the output.
    return run_result.get("output") if isinstance(run_result, dict) else None


async def await_children(
    ctx: durable.DurableContext,
    step_prefix: str,
    children: dict[str, tuple[str, list[str]]],
    timeout_seconds: float | None,
) -> dict[str, dict[str, Any]]:
    """Waits until every child run finished, then returns each one's outcome by its branch name.

    `children` maps a branch name to (child run id, its top-level task ids). The wait goes in
    rounds: a step checkpoints which children have not finished yet, and a durable event wait
    waits for the last of them (children start in order, so it tends to finish last); the parent
    holds no worker meanwhile, and wakes about once for N children rather than N times.

    Raises:
        PermanentError: a child had not finished within `timeout_seconds` (counted from the
            first call: the deadline is checkpointed).
    """
    deadline = None
    if timeout_seconds is not None:
        deadline = await ctx.step(f"{step_prefix}children_deadline", _deadline, timeout_seconds)
    waited: set[str] = set()
    for round_index in itertools.count():
        pending = await ctx.step(f"{step_prefix}children_pending:{round_index}", _pending, ctx, children)
        # A child whose event came has finished (one transaction does both); never wait for one twice.
        pending = [branch for branch in pending if branch not in waited]
        if not pending:
            break
        branch = pending[-1]
        waited.add(branch)
        run_id = children[branch][0]
        remaining = None if deadline is None else max(deadline - time.time(), 0.001)
        try:
            await ctx.wait_for_event(f"{step_prefix}child:{branch}", finished_event(run_id), remaining)
        except errors.EventTimeout as err:
            raise errors.PermanentError(
                f"child run {run_id} ({branch!r}) did not finish within {timeout_seconds:g} seconds"
            ) from err
    task_ids = {run_id: tasks for run_id, tasks in children.values()}
    outcomes = await ctx.read(read_outcomes, ctx.tenant_id, ctx.queue_name, task_ids)
    missing = [run_id for run_id in task_ids if run_id not in outcomes]
    if missing:
        raise errors.PermanentError(f"no run {missing[0]} of this tenant (was it cleaned up?)")
    return {branch: outcomes[run_id] for branch, (run_id, _) in children.items()}


async def _pending(ctx: durable.DurableContext, children: dict[str, tuple[str, list[str]]]) -> list[str]:
    # The branches whose child run has not finished, in the branches' order.
    run_ids = [run_id for run_id, _ in children.values()]
    unfinished = await ctx.read(_unfinished_runs, ctx.tenant_id, run_ids)
    return [branch for branch, (run_id, _) in children.items() if run_id in unfinished]


def _unfinished_runs(conn: db.Connection, tenant_id: str, workflow_run_ids: list[str]) -> set[str]:
    rows = db.execute(conn, "list_unfinished_runs", {"tenant_id": tenant_id, "workflow_run_ids": workflow_run_ids})
    return {str(row["workflow_run_id"]) for row in rows}


def unfinished(outcomes: dict[str, dict[str, Any]]) -> str | None:
    """Describes the children that did not complete, or None when all did."""
    failed = [
        f"{branch!r} ({outcome['workflow_run_id']}) {outcome['status']}: {(outcome['error'] or {}).get('message', '')}"
        for branch, outcome in outcomes.items()
        if outcome["status"] != "completed"
    ]
    return "; ".join(failed) or None


def _deadline(timeout_seconds: float) -> float:
    return time.time() + timeout_seconds
