"""The reflexive operator: generate, verify, and correct, for up to `max_turns` turns.

Called by `_nodes`. Each turn calls the `generator` tool, then the `verifier` tool; each call is a
durable step of its own (`<task>/turn<n>/generate`, `…/verify`), so a resumed run replays the
turns already taken instead of calling a model again. Their kwargs are templates rendered per turn
with these names bound over the run's scope:
- `turn`: the turn number, from 1;
- `output`: the generator's result this turn (for the verifier) or last turn (for the generator);
- `feedback`: what the last verifier said (its result, or its error message);
- `correction`: `correction_prompt_template` rendered with the names above, from turn 2 on.
The verifier passes when it succeeds and its result is neither `false` nor an object whose
`passed` or `valid` is false. The task's result is `{output, turns, feedback}` of the passing
turn; when no turn passed it fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hwe import errors
from hwe.interpreter import _frame, _templating
from hwe.interpreter._frame import Frame, Outcome
from hwe.interpreter._plan import Step


async def run(frame: Frame, step: Step) -> Outcome:
    """Runs a reflexive operator to its Outcome."""
    operator, name = step.operator, frame.step_name(step.task_id)
    names: dict[str, Any] = {"output": None, "feedback": None, "correction": None}
    for turn in range(1, operator.max_turns + 1):
        names["turn"] = turn
        if turn > 1 and operator.correction_prompt_template:
            names["correction"] = _templating.render(operator.correction_prompt_template, frame.scope.new_child(names))
        names["output"] = await _call(
            frame, f"{name}/turn{turn}/generate", operator.generator, operator.generator_kwargs, names
        )
        try:
            verdict = await _call(
                frame, f"{name}/turn{turn}/verify", operator.verifier, operator.verifier_kwargs, names
            )
        except errors.ToolError as err:
            names["feedback"] = str(err)
            continue
        names["feedback"] = verdict
        if _passed(verdict):
            result = {"output": names["output"], "turns": turn, "feedback": verdict}
            recorded = await _frame.record(frame, step, result)
            return Outcome("success", recorded)
    raise errors.PermanentError(f"no output passed the verifier {operator.verifier!r} in {operator.max_turns} turn(s)")


async def _call(frame: Frame, step_name: str, function: str, kwargs: dict[str, Any], names: Mapping[str, Any]) -> Any:
    tool, call = _frame.tool_call(frame, step_name, function, [], kwargs, frame.scope.new_child(dict(names)))
    return await frame.ctx.step(step_name, tool.run, call)


def _passed(verdict: Any) -> bool:
    if verdict is False:
        return False
    if isinstance(verdict, dict):
        return verdict.get("passed", True) is not False and verdict.get("valid", True) is not False
    return True
