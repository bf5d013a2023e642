"""The loop operators: foreach (over a list, sequential or parallel) and while (until its condition fails).

Called by `_nodes`. Each iteration runs the loop body as its own graph through `_dag.run_graph`,
in a frame whose step names carry the iteration (`body1[2]`), so a resumed run replays finished
iterations from their checkpoints. Body results are written through to the run's scope. The loop's
own step, named after its id, records the iterations' outputs once they all finished.
"""

from __future__ import annotations

import json
from typing import Any

import trio

from hwe import errors
from hwe.interpreter import _dag, _expressions, _frame, _templating
from hwe.interpreter._frame import Frame, Outcome
from hwe.interpreter._plan import Step

DEFAULT_MAX_ITERATIONS = 100


async def run(frame: Frame, step: Step) -> Outcome:
    """Runs a foreach or while loop to its Outcome.

    Raises:
        PermanentError: the items are not a list, or a while loop passed its iteration cap.
    """
    if step.operator_type == "foreach":
        items = resolve_items(step.task_id, _templating.render(step.operator.items, frame.scope))
        if step.operator.parallel:
            results = await _parallel(frame, step, items)
        else:
            results = await _sequential(frame, step, items)
    else:
        results = await _while(frame, step)
    if isinstance(results, Outcome):
        return results
    recorded = await _frame.record(frame, step, {"iterations": len(results), "results": results})
    return Outcome("success", recorded)


def resolve_items(task_id: str, value: Any) -> list[Any]:
    """The foreach items as a list; a string (a command's stdout) is read as JSON.

    Raises:
        PermanentError: the items are not a list.
    """
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as err:
            raise errors.PermanentError(f"task {task_id!r}: field 'items' is not a JSON list") from err
    if not isinstance(value, list):
        raise errors.PermanentError(f"task {task_id!r}: field 'items' must resolve to a list")
    return value


async def _sequential(frame: Frame, step: Step, items: list[Any]) -> list[Any] | Outcome:
    results = []
    for index, item in enumerate(items):
        result = await _iteration(frame, step, index, {"item": item, "current_item": item, "loop_index": index})
        if isinstance(result, Outcome):
            return result
        results.append(result)
    return results


async def _parallel(frame: Frame, step: Step, items: list[Any]) -> list[Any] | Outcome:
    results: list[Any] = [None] * len(items)
    suspends: list[errors.Suspend] = []

    async def one(index: int, item: Any) -> None:
        # A suspending iteration must not cancel its siblings: they finish and commit first.
        try:
            results[index] = await _iteration(
                frame, step, index, {"item": item, "current_item": item, "loop_index": index}
            )
        except errors.Suspend as suspend:
            suspends.append(suspend)

    try:
        async with trio.open_nursery() as nursery:
            for index, item in enumerate(items):
                nursery.start_soon(one, index, item)
    except BaseExceptionGroup as group:
        raise _dag.single_error(group) from None
    if suspends:
        raise suspends[0]
    for result in results:
        if isinstance(result, Outcome) and result.termination is not None:
            return result
    for result in results:
        if isinstance(result, Outcome):
            return result
    return results


async def _while(frame: Frame, step: Step) -> list[Any] | Outcome:
    cap = int(step.operator.metadata.get("max_iterations", DEFAULT_MAX_ITERATIONS))
    results = []
    index = 0
    while _expressions.evaluate(step.operator.condition, frame.scope):
        if index >= cap:
            raise errors.PermanentError(f"task {step.task_id!r}: still looping after {cap} iterations (the cap)")
        result = await _iteration(frame, step, index, {"loop_index": index})
        if isinstance(result, Outcome):
            return result
        results.append(result)
        index += 1
    return results


async def _iteration(frame: Frame, step: Step, index: int, names: dict[str, Any]) -> Any:
    # The iteration's output (its last task's result), or the Outcome that ends the loop.
    graph = await _dag.run_graph(frame.iteration(index, names), step.body)
    if graph.termination is not None:
        return Outcome("success", None, termination=graph.termination)
    if graph.failures:
        message = next(iter(graph.failures.values()))
        return Outcome("failed", error=f"task {step.task_id!r} failed in iteration {index}: {message}")
    return graph.output
