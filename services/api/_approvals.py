"""Routes under /api/v1/approvals: decide a `tools.approval.request` that is waiting.

The key is `<workflow_run_id>:<task_id>`, as the waiting task reports it. The decision is posted to
that run as the event `approval:<key>`; the first decision wins, so repeating one changes nothing.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import errors, runs
from hwe.tools import approval
from services.api import _changes, _state


async def approve(request: Request) -> Response:
    """Approves a waiting approval request. Body (optional): `{"approver": ..., "comment": ...}`."""
    return await _decide(request, approved=True)


async def reject(request: Request) -> Response:
    """Rejects a waiting approval request. Body (optional): `{"approver": ..., "comment": ...}`."""
    return await _decide(request, approved=False)


async def _decide(request: Request, *, approved: bool) -> Response:
    principal = await _state.authenticate(request, require="operator")
    key = request.path_params["approval_key"]
    run_id_text, _, task_id = key.partition(":")
    try:
        run_id = uuid.UUID(run_id_text)
    except ValueError as err:
        raise errors.RunNotFound("an approval key is <workflow_run_id>:<task_id>") from err
    if not task_id:
        raise errors.RunNotFound("an approval key is <workflow_run_id>:<task_id>")
    body: dict[str, Any] = await _state.read_json_object(request) if await request.body() else {}
    decision = {
        "approved": approved,
        "approver": str(body.get("approver", principal.tenant_id)),
        "comment": str(body.get("comment", "")),
        "timestamp": datetime.now(UTC).isoformat(),
    }
    woken = await _changes.change(
        request, principal, runs.post_event, principal.tenant_id, run_id, approval.event_name(key), decision
    )
    return _state.success({"approval_key": key, "approved": approved, "woken": woken})


routes = [
    Route("/api/v1/approvals/{approval_key}/approve", approve, methods=["POST"]),
    Route("/api/v1/approvals/{approval_key}/reject", reject, methods=["POST"]),
]
