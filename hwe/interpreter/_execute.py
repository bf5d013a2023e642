"""Runs a Plan to the run's result: builds the template scope, schedules the DAG, judges the outcome.

Called by the orchestrator for each attempt (and each replay after a sleep or a crash) through
`hwe.interpreter.run_workflow`. The scheduling is `_dag`'s; this module only decides what the
finished graph means for the run: completed, failed, or ended early by a terminate operator.
"""

from __future__ import annotations

import copy
from collections import ChainMap
from collections.abc import Mapping
from typing import Any

from hwe import durable, errors
from hwe.interpreter import _dag
from hwe.interpreter._frame import Frame
from hwe.interpreter._plan import Plan


async def run_workflow(
    ctx: durable.DurableContext, plan: Plan, inputs: dict[str, Any], template_env: Mapping[str, str]
) -> dict[str, Any]:
    """Executes the tasks of the plan as their trigger rules allow; returns the run's result.

    `template_env` is what `{{ENV.NAME}}` reads: only the environment variables the worker's
    `template_env` setting allows, never the rest of the worker's environment.

    Steps already checkpointed are replayed from their checkpoint, never run again. Independent
    tasks run concurrently. A failure whose on_failure handler succeeded counts as handled.

    Returns:
        `{"output": <the last finished task's result>}`, or a terminate operator's result.

    Raises:
        WorkflowFailed: a task failed and was not handled, or a terminate ended the run failed or
            cancelled; the run ends failed with that task's error.
        Suspend: the run sleeps or waits (a `wait`, `wait_for_event` or a retry back-off).
    """
    run_id = str(ctx.workflow_run_id)
    variables = copy.deepcopy(plan.variables)  # the Plan is shared by every run of its definition: never alias it
    # A submission's inputs override the definition's variables of the same name, so a bare `{{name}}`
    # reads the caller's value before the default; the run's own names below still win over both.
    merged = {**variables, **inputs}
    scope: dict[str, Any] = {
        **merged,
        "inputs": dict(merged),
        "workflow_run_id": run_id,
        "workflow_id": run_id,
        "ENV": dict(template_env),
    }
    graph = await _dag.run_graph(Frame(ctx, ChainMap(scope)), plan.steps)
    if graph.termination is not None:
        termination = graph.termination
        if termination.status == "completed":
            return {"output": termination.result, "reason": termination.reason}
        # The orchestrator has no cancelled outcome: a cancelling terminate ends the run failed, saying so.
        raise errors.WorkflowFailed(
            termination.task_id,
            f"task {termination.task_id!r} terminated the run with status {termination.status!r}: {termination.reason}",
        )
    if graph.failures:
        task_id, message = next(iter(graph.failures.items()))
        raise errors.WorkflowFailed(task_id, message)
    return {"output": graph.output}
