"""Routes under /api/v1/approvals: decide a `tools.approval.request` that is waiting.

The key is `<workflow_run_id>:<task_id>`, as the waiting task reports it. The decision is posted to
that run as the event `approval:<key>` (hwe.approvals). The first decision stands: a later one is a
409 naming it, and a key that nothing waits for is a 404. X-Idempotency-Key replays an answer.
"""

from __future__ import annotations

import functools
from typing import Any

import yaml
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import approvals, errors, tenants
from services.api import _changes, _query, _state

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_OFFSET = 10_000
MAX_KEY_CHARS = 255
MAX_APPROVER_CHARS = 200
MAX_COMMENT_CHARS = 2000

OPENAPI_SCHEMAS: dict[str, Any] = yaml.safe_load(r"""
Approval:
  type: object
  required: [approval_key, workflow_run_id, task_id, status, requested_at, timeout_at, decided_at, approver, comment]
  properties:
    approval_key: {type: string, description: '<workflow_run_id>:<task_id>'}
    workflow_run_id: {type: string, format: uuid}
    task_id: {type: string}
    status: {type: string, enum: [pending, approved, rejected]}
    requested_at: {type: [string, 'null'], format: date-time, description: when the task began to wait (pending only)}
    timeout_at: {type: [string, 'null'], format: date-time, description: when the wait times out (pending only)}
    decided_at: {type: [string, 'null'], format: date-time}
    approver: {type: [string, 'null']}
    comment: {type: [string, 'null']}
ApprovalDecisionRequest:
  type: object
  additionalProperties: false
  properties:
    approver: {type: string, maxLength: 200, description: "who decided; the tenant's id by default"}
    comment: {type: string, maxLength: 2000}
ApprovalDecision:
  type: object
  required: [approval_key, approved, approver, comment, timestamp, woken]
  properties:
    approval_key: {type: string}
    approved: {type: boolean}
    approver: {type: string}
    comment: {type: string}
    timestamp: {type: string, format: date-time}
    woken: {type: integer, minimum: 0, description: the waiting tasks the decision woke}
ApprovalList:
  type: object
  required: [items, limit, offset]
  properties:
    items: {type: array, items: {$ref: '#/components/schemas/Approval'}}
    limit: {type: integer, minimum: 1, maximum: 200}
    offset: {type: integer, minimum: 0}
""")


async def list_approvals(request: Request) -> Response:
    """Lists the tenant's approvals, newest first: those waiting for a decision and those decided.

    ---
    tags: [approvals]
    x-role: viewer
    parameters:
      - {name: status, in: query, schema: {type: string, enum: [pending, approved, rejected]}}
      - {name: workflow_run_id, in: query, schema: {type: string, format: uuid}}
      - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 200, default: 50}}
      - {name: offset, in: query, schema: {type: integer, minimum: 0, maximum: 10000, default: 0}}
    responses:
      200: {description: one page of approvals, x-data: ApprovalList}
    """
    principal = await _state.authenticate(request, require="viewer")
    query = _query.query(request, ("status", "workflow_run_id", "limit", "offset"))
    status = _query.choice(query, "status", approvals.STATUSES)
    run_id = _query.identifier(query, "workflow_run_id")
    limit = _query.integer(query, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = _query.integer(query, "offset", 0, 0, MAX_OFFSET)
    listing = functools.partial(
        approvals.list_approvals, status=status, workflow_run_id=run_id, limit=limit, offset=offset
    )
    items = await _state.get(request).call(listing, principal.tenant_id, principal.queue_name)
    return _state.success({"items": items, "limit": limit, "offset": offset})


async def get_approval(request: Request) -> Response:
    """Reads one approval by its key: waiting (with its timeout) or decided (with the decision).

    ---
    tags: [approvals]
    x-role: viewer
    responses:
      200: {description: the approval, x-data: Approval}
    """
    principal = await _state.authenticate(request, require="viewer")
    key = request.path_params["approval_key"]
    if len(key) > MAX_KEY_CHARS:
        raise errors.ApprovalNotFound("an approval key is <workflow_run_id>:<task_id>")
    found = await _state.get(request).call(approvals.get_approval, principal.tenant_id, key)
    return _state.success(found)


async def approve(request: Request) -> Response:
    """Approves a waiting approval request. Body (optional): `{"approver": ..., "comment": ...}`.

    ---
    tags: [approvals]
    x-role: operator
    requestBody:
      required: false
      content: {application/json: {schema: {$ref: '#/components/schemas/ApprovalDecisionRequest'}}}
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      200: {description: the decision, x-data: ApprovalDecision}
    """
    return await _decide(request, approved=True)


async def reject(request: Request) -> Response:
    """Rejects a waiting approval request. Body (optional): `{"approver": ..., "comment": ...}`.

    ---
    tags: [approvals]
    x-role: operator
    requestBody:
      required: false
      content: {application/json: {schema: {$ref: '#/components/schemas/ApprovalDecisionRequest'}}}
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      200: {description: the decision, x-data: ApprovalDecision}
    """
    return await _decide(request, approved=False)


async def _decide(request: Request, *, approved: bool) -> Response:
    principal = await _state.authenticate(request, require="operator")
    key = request.path_params["approval_key"]
    body: dict[str, Any] = {}
    if await request.body():
        body = await _state.read_json_object(request, ("approver", "comment"))
    for field, limit in (("approver", MAX_APPROVER_CHARS), ("comment", MAX_COMMENT_CHARS)):
        if field in body and (not isinstance(body[field], str) or len(body[field]) > limit):
            raise errors.InvalidRequest("bad_field", f"'{field}' must be a string of at most {limit} characters")
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
    Route("/api/v1/approvals", list_approvals, methods=["GET"]),
    Route("/api/v1/approvals/{approval_key}", get_approval, methods=["GET"]),
    Route("/api/v1/approvals/{approval_key}/approve", approve, methods=["POST"]),
    Route("/api/v1/approvals/{approval_key}/reject", reject, methods=["POST"]),
]
