"""Routes under /api/v1/approvals: decide a `tools.approval.request` that is waiting.

The key is `<workflow_run_id>:<task_id>`, as the waiting task reports it. The decision is posted to
that run as the event `approval:<key>` (hwe.approvals). The first decision stands: a later one is a
409 naming it, and a key that nothing waits for is a 404. X-Idempotency-Key replays an answer.
"""

from __future__ import annotations

import functools
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import approvals, tenants
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
    body: dict[str, Any] = {}
    if await request.body():
        body = await _state.read_json_object(request, ("approver", "comment"))
    operation = "approve" if approved else "reject"
    idempotency = _state.idempotency(request, f"{operation}_approval", {"approval_key": key, **body})
    decide = functools.partial(
        approvals.decide_approval,
        tenant_id=principal.tenant_id,
        approval_key=key,
        approved=approved,
        approver=str(body.get("approver", principal.tenant_id)),
        comment=str(body.get("comment", "")),
    )
    decided = await _changes.change(request, principal, tenants.once, principal.tenant_id, idempotency, decide)
    return _state.success(decided)


routes = [
    Route("/api/v1/approvals/{approval_key}/approve", approve, methods=["POST"]),
    Route("/api/v1/approvals/{approval_key}/reject", reject, methods=["POST"]),
]
