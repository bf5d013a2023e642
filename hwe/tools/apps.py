"""`apps.<publisher>.<app>.<action>`: runs an action of one of the tenant's installed apps.

The app is looked up for the run's tenant at every call (an app of another tenant is never
found), and the action's function runs from the app's artifact exactly as `tools.python.run`
runs a durable function: `fn(ctx, *args, **kwargs)`, in a fresh interpreter.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from hwe import errors, tools
from hwe.tools import python


@tools.register(tools.APP_TOOL)
async def run(call: tools.ToolCall) -> Any:
    """Runs the action named by the call's tool name from the tenant's app."""
    ctx = call.context
    if ctx is None:
        raise errors.PermanentError("an app action needs a durable context")
    _, publisher, app, action = call.tool_name.split(".")
    try:
        installed = await ctx.read_app(publisher, app)
    except errors.AppNotFound as err:
        raise errors.PermanentError(str(err)) from err
    function = installed["actions"].get(action)
    if function is None:
        raise errors.PermanentError(f"app {publisher}.{app} has no action {action!r}")
    return await python.run(
        dataclasses.replace(
            call,
            args=[function, *call.args],
            kwargs={**call.kwargs, "artifact_id": installed["artifact_id"]},
        )
    )
