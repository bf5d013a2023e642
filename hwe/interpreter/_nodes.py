"""Runs one ready task of a graph to its Outcome: guards, the operator, then publishing its result.

Called by `_dag` for each task whose trigger rule holds. The plain operators (task, wait,
emit_event, wait_for_event) live here; control flow is in `_control`, loops in `_loops`, the
operators that start child runs in `_fork` and reflexive in `_reflexive`. Every
operator ends in a durable step named `frame.step_name(task_id)`, so replay returns its checkpoint.
A tool error becomes a `failed` Outcome; Suspend and engine faults propagate to the scheduler. A tool runs
in one of its run's `tool_slots`, and its result must be JSON of at most MAX_RESULT_CHARS characters without NUL
(PostgreSQL's jsonb cannot hold one): otherwise the task fails saying so.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import isodate
import trio

from hwe import errors, metrics, signals, tools
from hwe.interpreter import _control, _fork, _frame, _guards, _loops, _reflexive, _templating
from hwe.interpreter._frame import Frame, Outcome
from hwe.interpreter._plan import Step

BRANCH_JOIN_TOOL = "tools.workflow.wait_for_parallel_branches"
_TASK_FAILURES = (errors.ToolError, errors.EventTimeout, errors.InvalidEvent)
MAX_RESULT_CHARS = 4 * 1024 * 1024


async def run_node(frame: Frame, step: Step) -> Outcome:
    """Runs `step` in `frame`; its result is published to the frame's scope when it succeeds."""
    operator = step.operator
    try:
        _guards.check(operator.preconditions, frame.scope, "precondition")
        outcome = await _run_operator(frame, step)
        if outcome.state == "success" and operator.postconditions:
            names = {step.task_id: outcome.value, **({step.result_key: outcome.value} if step.result_key else {})}
            _guards.check(operator.postconditions, frame.scope.new_child(names), "postcondition")
    except _TASK_FAILURES as err:
        return _frame.failed(step.task_id, err)
    if outcome.state == "success":
        variables = step.operator_type == "task" and _frame.sets_variables(operator.function)
        _frame.publish(frame.scope, step.task_id, step.result_key, outcome.value, variables=variables)
        if step.operator_type == "task" and operator.function == BRANCH_JOIN_TOOL:
            # A join placed after the wait judges the branches' own tasks by their final states.
            for branch in outcome.value.values():
                frame.states.update({k: v for k, v in branch["tasks"].items() if k not in frame.states})
    return outcome


async def _run_operator(frame: Frame, step: Step) -> Outcome:
    kind = step.operator_type
    if kind in ("condition", "switch", "terminate", "join"):
        return await _control.run(frame, step)
    if kind in ("foreach", "while"):
        return await _loops.run(frame, step)
    if kind in ("parallel", "multi_choice", "child_workflow", "activity"):
        return await _fork.run(frame, step)
    if kind == "reflexive":
        return await _reflexive.run(frame, step)
    if kind == "task":
        return Outcome("success", await _run_task(frame, step))
    return Outcome("success", await _run_wait_or_event(frame, step))


async def _run_wait_or_event(frame: Frame, step: Step) -> Any:
    operator, name = step.operator, frame.step_name(step.task_id)
    if step.operator_type == "wait":
        seconds, until = _wait_target(step.task_id, operator.wait_for)
        await frame.ctx.sleep(name, seconds, until=until)
        result: Any = None
    elif step.operator_type == "emit_event":
        event_name = _as_text(step.task_id, "event_name", _templating.render(operator.event_name, frame.scope))
        await frame.ctx.emit_event(event_name, _templating.render(operator.payload, frame.scope))
        result = {"event_name": event_name}
    else:
        event_name = _as_text(step.task_id, "event_name", _templating.render(operator.event_name, frame.scope))
        # `signal:NAME` and `update:NAME` wait for that message sent to this run only (hwe.signals).
        waited_for = signals.scoped_event_name(frame.ctx.workflow_run_id, event_name)
        payload = await frame.ctx.wait_for_event(name, waited_for, operator.timeout_seconds)
        result = {"event_name": event_name, "payload": payload}
    return await _frame.record(frame, step, result)


async def _run_task(frame: Frame, step: Step) -> Any:
    operator, ctx, name = step.operator, frame.ctx, frame.step_name(step.task_id)
    tool, call = _frame.tool_call(frame, name, operator.function, operator.args, operator.kwargs, frame.scope)
    body: Callable[[], Awaitable[Any]] = functools.partial(_with_timeout, tool, call, step.timeout_seconds)
    if step.circuit_breaker is not None:
        # Inside the step's body: a replayed step neither runs the tool nor counts as a call.
        body = functools.partial(ctx.circuit_call, operator.function, step.circuit_breaker, body)
    body = functools.partial(_in_slot, frame.tool_slots, body)
    attempt = 1
    while True:
        try:
            return await ctx.step(
                name,
                body,
                result_key=step.result_key,
                advances_progress=frame.top_level,
                output=call.output,
            )
        except errors.ToolError as err:
            if step.retry is None or attempt >= step.retry.max_attempts:
                raise
            # The back-off is a durable sleep: the worker is free and a crash does not shorten it.
            delay = step.retry.delay_after(attempt)
            if isinstance(err, errors.TemporaryError) and err.delay is not None:
                delay = max(delay, err.delay)
            await ctx.sleep(f"retry:{name}", delay, retry=True)
            attempt += 1


async def _in_slot(slots: trio.CapacityLimiter, body: Callable[[], Awaitable[Any]]) -> Any:
    async with slots:
        return _storable(await body())


def _storable(value: Any) -> Any:
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        return value  # the step's own encoding reports what is not JSON
    if len(text) > MAX_RESULT_CHARS:
        raise errors.PermanentError(f"the task's result is larger than {MAX_RESULT_CHARS} characters of JSON")
    if "\\u0000" in text.replace("\\\\", ""):
        raise errors.PermanentError("the task's result holds a NUL character, which cannot be stored")
    return value


async def _with_timeout(tool: tools.Tool, call: tools.ToolCall, timeout_seconds: float | None) -> Any:
    # At the timeout the tool is cancelled, which kills its process: a process left running would
    # outlive the lease that accounts for it, so kill_on_timeout=false is refused at submission (hwe.fields).
    started = trio.current_time()
    try:
        if timeout_seconds is None:
            return await tool.run(call)
        with trio.move_on_after(timeout_seconds):
            return await tool.run(call)
        raise errors.PermanentError(f"timed out after {timeout_seconds:g} seconds (timeout_policy)")
    finally:
        metrics.STEP_SECONDS.labels(call.tool_name or "unknown").observe(trio.current_time() - started)


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
