"""Runs a Plan: each DSL task, in dependency order, ends in a durable step named after its id."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import isodate
import trio

from hwe import durable, errors, tools
from hwe.interpreter import _templating
from hwe.interpreter._plan import Plan, Step


async def run_workflow(ctx: durable.DurableContext, plan: Plan, inputs: dict[str, Any]) -> dict[str, Any]:
    """Executes every task of the plan; returns the run's result.

    Steps already checkpointed are replayed from their checkpoint, never run again.

    Returns:
        `{"output": <the last task's result>}`.

    Raises:
        WorkflowFailed: a task failed for good; the run ends failed with the task's error.
        Suspend: the run sleeps or waits (a `wait`, `wait_for_event` or a retry back-off).
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
        try:
            output = await _run_step(ctx, step, scope)
        except errors.ToolError as err:
            raise errors.WorkflowFailed(step.task_id, f"task {step.task_id!r} failed: {err}") from err
        except (errors.EventTimeout, errors.InvalidEvent) as err:
            raise errors.WorkflowFailed(step.task_id, f"task {step.task_id!r} failed: {err}") from err
        scope.setdefault(step.task_id, output)
        if step.result_key:
            scope[step.result_key] = output
        if step.operator_type == "task" and _sets_variables(step) and isinstance(output, dict):
            scope.update(output)
            scope["inputs"] = {**scope["inputs"], **output}
    return {"output": output}


async def _run_step(ctx: durable.DurableContext, step: Step, scope: dict[str, Any]) -> Any:
    if step.operator_type == "task":
        return await _run_task(ctx, step, scope)
    operator = step.operator
    if step.operator_type == "wait":
        seconds, until = _wait_target(step.task_id, operator.wait_for)
        await ctx.sleep(step.task_id, seconds, until=until)
        result: Any = None
    elif step.operator_type == "emit_event":
        event_name = _as_text(step.task_id, "event_name", _templating.render(operator.event_name, scope))
        await ctx.emit_event(event_name, _templating.render(operator.payload, scope))
        result = {"event_name": event_name}
    else:
        event_name = _as_text(step.task_id, "event_name", _templating.render(operator.event_name, scope))
        payload = await ctx.wait_for_event(step.task_id, event_name, operator.timeout_seconds)
        result = {"event_name": event_name, "payload": payload}
    return await ctx.step(step.task_id, _same, result, result_key=step.result_key, advances_progress=True)


def _sets_variables(step: Step) -> bool:
    tool = tools.get(step.operator.function)
    return tool is not None and tool.sets_variables


async def _run_task(ctx: durable.DurableContext, step: Step, scope: dict[str, Any]) -> Any:
    operator = step.operator
    tool = tools.get(operator.function)
    if tool is None:
        raise errors.PermanentError(f"unknown tool {operator.function!r}")
    run_id = str(ctx.workflow_run_id)
    call = tools.ToolCall(
        args=_templating.render(list(operator.args), scope),
        kwargs=_templating.render(dict(operator.kwargs), scope),
        workflow_run_id=run_id,
        idempotency_key=f"{run_id}:{step.task_id}",
        environment={"HIGHWAY_WORKFLOW_RUN_ID": run_id, "HIGHWAY_IDEMPOTENCY_KEY": f"{run_id}:{step.task_id}"},
        variables={key: value for key, value in scope.items() if key != "inputs"},
        context=ctx,
        step_prefix=f"{step.task_id}/",
    )
    attempt = 1
    while True:
        try:
            return await ctx.step(
                step.task_id,
                _with_timeout,
                tool,
                call,
                step.timeout_seconds,
                result_key=step.result_key,
                advances_progress=True,
            )
        except errors.ToolError as err:
            if step.retry is None or attempt >= step.retry.max_attempts:
                raise
            # The back-off is a durable sleep: the worker is free and a crash does not shorten it.
            delay = step.retry.delay_after(attempt)
            if isinstance(err, errors.TemporaryError) and err.delay is not None:
                delay = max(delay, err.delay)
            await ctx.sleep(f"retry:{step.task_id}", delay)
            attempt += 1


async def _with_timeout(tool: tools.Tool, call: tools.ToolCall, timeout_seconds: float | None) -> Any:
    # At the timeout the tool is cancelled, which kills its process: a process left running would
    # outlive the lease that accounts for it, so kill_on_timeout=false is not honoured.
    if timeout_seconds is None:
        return await tool.run(call)
    with trio.move_on_after(timeout_seconds):
        return await tool.run(call)
    raise errors.PermanentError(f"timed out after {timeout_seconds:g} seconds (timeout_policy)")


def _same(value: Any) -> Any:
    return value


def _wait_target(task_id: str, wait_for: Any) -> tuple[float | None, datetime | None]:
    if isinstance(wait_for, timedelta):
        return wait_for.total_seconds(), None
    if isinstance(wait_for, datetime):
        return None, wait_for
    text = str(wait_for)
    try:
        if text.startswith("duration:"):
            return float(text.removeprefix("duration:")), None
        if text.startswith("datetime:"):
            return None, datetime.fromisoformat(text.removeprefix("datetime:"))
        if text.startswith("P"):
            duration = isodate.parse_duration(text)
            if not isinstance(duration, timedelta):
                raise ValueError("durations in months or years have no fixed length")
            return duration.total_seconds(), None
        return None, datetime.fromisoformat(text)
    except (ValueError, isodate.ISO8601Error) as err:
        raise errors.PermanentError(f"task {task_id!r}: field 'wait_for': cannot read {text!r}") from err


def _as_text(task_id: str, field: str, value: Any) -> str:
    if not isinstance(value, str):
        raise errors.PermanentError(f"task {task_id!r}: field {field!r} must resolve to a string")
    return value
