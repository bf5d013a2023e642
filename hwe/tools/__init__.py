"""The tool registry: the functions a workflow task names in its `function` field.

Built-in tools register themselves when their module is imported (`load_builtin_tools`); tenant
apps will add more. The registry is one of the two module-level mutable objects the engine allows.
A tool is an async function of one `ToolCall`; it raises PermanentError or TemporaryError.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

_BUILTIN_MODULES = ("hwe.tools.shell",)


@dataclass(frozen=True)
class ToolCall:
    """What a tool receives: resolved arguments and the identity it can use for idempotency."""

    args: list[Any]
    kwargs: dict[str, Any]
    workflow_run_id: str
    idempotency_key: str
    environment: dict[str, str] = field(default_factory=dict)


Tool = Callable[[ToolCall], Awaitable[Any]]

REGISTRY: dict[str, Tool] = {}


def register(name: str) -> Callable[[Tool], Tool]:
    """Registers a tool under its DSL name (decorator)."""

    def add(tool: Tool) -> Tool:
        REGISTRY[name] = tool
        return tool

    return add


def load_builtin_tools() -> None:
    """Imports the built-in tool modules so they register themselves."""
    for module in _BUILTIN_MODULES:
        importlib.import_module(module)


def get(name: str) -> Tool | None:
    """Returns the tool registered under `name`, or None."""
    return REGISTRY.get(name)
