"""`tools.approval.request`: waits for a person to approve or reject, through the API.

The approval's key is `<workflow_run_id>:<task_id>`; `POST /api/v1/approvals/{key}/approve` (or
`/reject`) posts the event `approval:<key>` to the run, which wakes this task. While it waits the
run is `waiting` and holds no worker. Returns `{approved, approver, comment, timestamp}`; when
`timeout_seconds` (default 3600) passes first, the task fails.
"""

from __future__ import annotations

from typing import Any

from hwe import errors, tools

DEFAULT_TIMEOUT_SECONDS = 3600.0


def event_name(approval_key: str) -> str:
    """The event an approval decision is posted as."""
    return f"approval:{approval_key}"


@tools.register("tools.approval.request")
async def request(call: tools.ToolCall) -> dict[str, Any]:
    """Waits for the approval of this task; fails on rejection of the call's shape or at the timeout."""
    ctx = call.context
    if ctx is None:
        raise errors.PermanentError("tools.approval.request needs a durable context")
    unknown = set(call.kwargs) - {"message", "timeout_seconds"}
    if call.args or unknown:
        raise errors.PermanentError("tools.approval.request takes only the keywords 'message' and 'timeout_seconds'")
    timeout = call.kwargs.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise errors.PermanentError("tools.approval.request: timeout_seconds must be a positive number")
    approval_key = call.idempotency_key  # <workflow_run_id>:<task_id>
    try:
        decision = await ctx.wait_for_event(f"{call.step_prefix}approval", event_name(approval_key), float(timeout))
    except errors.EventTimeout as err:
        raise errors.PermanentError(f"no approval decision within {timeout:g} seconds") from err
    return {
        "approval_key": approval_key,
        "approved": bool(decision.get("approved")),
        "approver": decision.get("approver"),
        "comment": decision.get("comment"),
        "timestamp": decision.get("timestamp"),
    }
