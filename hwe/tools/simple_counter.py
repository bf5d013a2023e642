"""`tools.simple_counter.init_counter` / `increment_counter`: the loop helpers of the DSL docs.

They set the run variable `counter` (0, then +1 per call) that conditions read as `{{counter}}`.
In-process and free of I/O, so they are also the engine's cheapest step.
"""

from __future__ import annotations

from typing import Any

from hwe import errors, tools


@tools.register("tools.simple_counter.init_counter", sets_variables=True)
async def init_counter(call: tools.ToolCall) -> dict[str, Any]:
    """Sets `counter` to 0 (or to the `start` keyword)."""
    start = call.kwargs.get("start", 0)
    if call.args or set(call.kwargs) - {"start"} or not isinstance(start, int):
        raise errors.PermanentError("tools.simple_counter.init_counter takes only an integer 'start'")
    return {"counter": start}


@tools.register("tools.simple_counter.increment_counter", sets_variables=True)
async def increment_counter(call: tools.ToolCall) -> dict[str, Any]:
    """Adds 1 (or the `by` keyword) to `counter`."""
    by = call.kwargs.get("by", 1)
    if call.args or set(call.kwargs) - {"by"} or not isinstance(by, int):
        raise errors.PermanentError("tools.simple_counter.increment_counter takes only an integer 'by'")
    current = call.variables.get("counter", 0)
    if not isinstance(current, int):
        raise errors.PermanentError("the run variable 'counter' is not an integer")
    return {"counter": current + by}
