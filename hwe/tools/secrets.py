"""`tools.secrets.get_secret` and `tools.secrets.set_secret`: a run reads and stores its tenant's secrets.

Both reach only the secrets of the run's own tenant, through the engine's secret provider (Vault
`highway/tenants/<tenant_id>/<name>`, or the development file's `"tenants"`), never another
tenant's and never the engine's. `get_secret` takes `name` (keyword, or the first argument) and
returns the value; `set_secret` takes `name` and `value` and returns `{"name": name, "stored": true}`.
A missing secret fails the task with a message naming it; values are never logged.

Be aware: like every task result, what `get_secret` returns is committed to the run's checkpoint
(and to the run's context under its `result_key`), which every API key of the tenant can read
through the run's views. Read a secret in the task right before the one that uses it, and pass it
on directly (`{{db_password}}`); do not echo it into other results. `set_secret`'s value comes from
the definition or the inputs, which the run stores as well.

The tools are registered at import so that definitions naming them validate everywhere; only the
worker binds them to a provider (`use_provider`, once at start), elsewhere they fail.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

import trio

from hwe import errors, secrets, tools

logger = logging.getLogger(__name__)

GET_TOOL = "tools.secrets.get_secret"
SET_TOOL = "tools.secrets.set_secret"


def use_provider(provider: secrets.SecretProvider) -> None:
    """Binds both secret tools to `provider`; the worker calls it once, after `tools.load_builtin_tools()`."""

    async def get_secret(call: tools.ToolCall) -> str:
        return await _get_secret(provider, call)

    async def set_secret(call: tools.ToolCall) -> dict[str, Any]:
        return await _set_secret(provider, call)

    tools.register(GET_TOOL)(get_secret)
    tools.register(SET_TOOL)(set_secret)


@tools.register(GET_TOOL)
async def get_secret_without_provider(call: tools.ToolCall) -> str:
    """Fails: this process has no secret provider (only a worker binds one)."""
    raise errors.PermanentError(f"{GET_TOOL} runs only in a worker, which opens the secret provider at start")


@tools.register(SET_TOOL)
async def set_secret_without_provider(call: tools.ToolCall) -> dict[str, Any]:
    """Fails: this process has no secret provider (only a worker binds one)."""
    raise errors.PermanentError(f"{SET_TOOL} runs only in a worker, which opens the secret provider at start")


async def _get_secret(provider: secrets.SecretProvider, call: tools.ToolCall) -> str:
    tenant_id = _tenant_of(call, GET_TOOL)
    if set(call.kwargs) - {"name"} or len(call.args) + len(call.kwargs) > 1:
        raise errors.PermanentError(f"{GET_TOOL} takes one secret name: the keyword 'name' or one argument")
    name = _checked_name(call.kwargs.get("name", call.args[0] if call.args else None), GET_TOOL)
    with _as_tool_errors(GET_TOOL):
        value = await trio.to_thread.run_sync(provider.get_tenant_secret, tenant_id, name)
    logger.info("read secret %s for tenant %s", name, tenant_id)
    return value


async def _set_secret(provider: secrets.SecretProvider, call: tools.ToolCall) -> dict[str, Any]:
    tenant_id = _tenant_of(call, SET_TOOL)
    if call.args or set(call.kwargs) != {"name", "value"}:
        raise errors.PermanentError(f"{SET_TOOL} takes exactly the keywords 'name' and 'value'")
    name = _checked_name(call.kwargs["name"], SET_TOOL)
    value = call.kwargs["value"]
    if not isinstance(value, str) or not value:
        # Name only the type: the value itself must not reach the run's error.
        raise errors.PermanentError(f"{SET_TOOL}: the value of secret {name!r} must be a non-empty string")
    with _as_tool_errors(SET_TOOL):
        await trio.to_thread.run_sync(provider.set_tenant_secret, tenant_id, name, value)
    return {"name": name, "stored": True}


def _tenant_of(call: tools.ToolCall, tool: str) -> str:
    if call.context is None:
        raise errors.PermanentError(f"{tool} needs a durable context (the run's tenant)")
    return call.context.tenant_id


def _checked_name(name: object, tool: str) -> str:
    if name is None:
        raise errors.PermanentError(f"{tool} needs the secret's name: the keyword 'name'")
    if not isinstance(name, str):
        raise errors.PermanentError(f"{tool}: the secret name must be a string, not {type(name).__name__}")
    try:
        secrets.check_secret_name(name)
    except ValueError as err:
        raise errors.PermanentError(f"{tool}: {err}") from err
    return name


@contextlib.contextmanager
def _as_tool_errors(tool: str) -> Iterator[None]:
    # The provider's error class says whether a retry can help; the tool error carries that to the interpreter.
    try:
        yield
    except errors.SecretStoreUnavailable as err:
        raise errors.TemporaryError(f"{tool}: {err}") from err
    except (errors.SecretNotFound, errors.SecretStoreRefused, errors.ConfigError, ValueError) as err:
        raise errors.PermanentError(f"{tool}: {err}") from err
