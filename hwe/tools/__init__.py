"""The tool registry: the functions a workflow task names in its `function` field.

Built-in tools register themselves when their module is imported (`load_builtin_tools`); tenant
apps will add more. The registry is one of the two module-level mutable objects the engine allows.
A tool is an async function of one `ToolCall`; it raises PermanentError or TemporaryError. A tool
registered with `sets_variables` returns a dict whose keys become run variables (`{{counter}}`),
applied from its checkpointed result, so replay restores them.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hwe import durable, task_logs

_BUILTIN_MODULES = (
    "hwe.tools.shell",
    "hwe.tools.simple_counter",
    "hwe.tools.python",
    "hwe.tools.approval",
    "hwe.tools.apps",
    "hwe.tools.http",
    "hwe.tools.code",
    "hwe.tools.workflow",
    "hwe.tools.secrets",
)
# Every `apps.<publisher>.<app>.<action>` resolves to the one tool registered under this name.
APP_TOOL = "apps.*"
_APP_NAME = re.compile(r"^apps\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class ToolCall:
    """What a tool receives: resolved arguments, the run's variables, and its identity for idempotency."""

    args: list[Any]
    kwargs: dict[str, Any]
    workflow_run_id: str
    idempotency_key: str
    environment: dict[str, str] = field(default_factory=dict)
    variables: Mapping[str, Any] = field(default_factory=dict)
    context: durable.DurableContext | None = None
    step_prefix: str = ""
    tool_name: str = ""
    # Where a tool puts what its process wrote (stored with the attempt); None when nothing keeps it.
    output: task_logs.Output | None = None


ToolFunction = Callable[[ToolCall], Awaitable[Any]]


@dataclass(frozen=True)
class Tool:
    """A registered tool."""

    name: str
    run: ToolFunction
    sets_variables: bool = False


REGISTRY: dict[str, Tool] = {}


def register(name: str, *, sets_variables: bool = False) -> Callable[[ToolFunction], ToolFunction]:
    """Registers a tool under its DSL name (decorator)."""

    def add(function: ToolFunction) -> ToolFunction:
        REGISTRY[name] = Tool(name, function, sets_variables)
        return function

    return add


def load_builtin_tools() -> None:
    """Imports the built-in tool modules so they register themselves."""
    for module in _BUILTIN_MODULES:
        importlib.import_module(module)


def get(name: str) -> Tool | None:
    """Returns the tool registered under `name` (every app action resolves to the app tool), or None."""
    if _APP_NAME.match(name):
        return REGISTRY.get(APP_TOOL)
    return REGISTRY.get(name)
