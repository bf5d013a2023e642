"""Runs a Plan: one durable step per task, in dependency order."""

from __future__ import annotations

from typing import Any

from hwe import durable, errors, tools
from hwe.interpreter import _templating
from hwe.interpreter._plan import Plan


async def run_workflow(ctx: durable.DurableContext, plan: Plan, inputs: dict[str, Any]) -> dict[str, Any]:
    """Executes every task of the plan; returns the run's result.

    Steps already checkpointed are replayed from their checkpoint, never run again.

    Returns:
        `{"output": <the last task's result>}`.

    Raises:
        WorkflowFailed: a task failed; the run ends failed with the task's error.
    """
    run_id = str(ctx.workflow_run_id)
    scope: dict[str, Any] = {
        **plan.variables,
        "inputs": {**plan.variables, **inputs},
        "workflow_run_id": run_id,
        "workflow_id": run_id,
    }
    output: Any = None
    for step in plan.steps:
        tool = tools.get(step.function)
        if tool is None:
            raise errors.WorkflowFailed(step.task_id, f"task {step.task_id!r}: unknown tool {step.function!r}")
        try:
            call = tools.ToolCall(
                args=_templating.render(step.args, scope),
                kwargs=_templating.render(step.kwargs, scope),
                workflow_run_id=run_id,
                idempotency_key=f"{run_id}:{step.task_id}",
                environment={"HIGHWAY_WORKFLOW_RUN_ID": run_id, "HIGHWAY_IDEMPOTENCY_KEY": f"{run_id}:{step.task_id}"},
            )
            output = await ctx.step(step.task_id, tool, call, result_key=step.result_key)
        except errors.ToolError as err:
            raise errors.WorkflowFailed(step.task_id, f"task {step.task_id!r} failed: {err}") from err
        scope.setdefault(step.task_id, output)
        if step.result_key:
            scope[step.result_key] = output
    return {"output": output}
