"""Approval decisions: how the API decides a `tools.approval.request` that is waiting.

An approval's key is `<workflow_run_id>:<task_id>`, as the waiting task reports it; its decision is
the event `approval:<key>`, owned by that run. Only an approval that waits can be decided, and only
once: the first decision stands, and a later one is refused rather than dropped. Called by the API
in its change transaction; the waiting task itself lives in `hwe.tools.approval`. Never commits.
"""

from __future__ import annotations

import uuid
from typing import Any

from hwe import db, errors, events, queue, runs
from hwe.tools import approval

_KEY_SHAPE = "an approval key is <workflow_run_id>:<task_id>"


def decide_approval(
    conn: db.Connection, tenant_id: str, approval_key: str, *, approved: bool, approver: str, comment: str
) -> dict[str, Any]:
    """Posts the decision to the waiting approval and returns it with `woken` (the runs it woke).

    Raises:
        ApprovalNotFound: the key is malformed, its run is not the tenant's, or nothing waits for it.
        ApprovalDecided: it was decided before (the message names that decision, which stands).
    """
    run_id = _run_id(approval_key)
    event_name = approval.event_name(approval_key)
    with conn.transaction():
        try:
            run = runs.find_run_queue(conn, tenant_id, run_id)
        except errors.RunNotFound as err:
            raise errors.ApprovalNotFound(f"no approval {approval_key!r}: its run does not exist") from err
        queue_name = run["queue_name"]
        # First in the lock order, so a second decision waits for the first and then sees it.
        events.lock_event_name(conn, tenant_id, event_name)
        earlier = find_approval_decision(conn, queue_name, tenant_id, event_name)
        if earlier is not None:
            raise errors.ApprovalDecided(f"approval {approval_key!r} was already {_describe(earlier)}; that stands")
        if not find_approval_wait(conn, queue_name, tenant_id, run_id, event_name):
            raise errors.ApprovalNotFound(
                f"no approval {approval_key!r} is waiting: the run has no such task, has not reached it yet, "
                "or its wait timed out"
            )
        decision = {
            "approved": approved,
            "approver": approver,
            "comment": comment,
            "timestamp": queue.current_time(conn).isoformat(),
        }
        emitted = events.emit_event(
            conn, queue_name, tenant_id=tenant_id, workflow_run_id=run_id, event_name=event_name, payload=decision
        )
        runs.append_event(conn, run_id, "approval_decided", None, {"approved": approved})
    return {"approval_key": approval_key, **decision, "woken": emitted.woken}


def find_approval_decision(
    conn: db.Connection, queue_name: str, tenant_id: str, event_name: str
) -> dict[str, Any] | None:
    """The first decision posted for an approval (its event's payload), or None."""
    rows = db.execute(
        conn, "find_approval_decision", {"tenant_id": tenant_id, "event_name": event_name}, queue=queue_name
    )
    return rows[0]["payload"] if rows else None


def find_approval_wait(
    conn: db.Connection, queue_name: str, tenant_id: str, workflow_run_id: uuid.UUID, event_name: str
) -> bool:
    """Whether a task of that run waits for the approval's decision."""
    params = {"tenant_id": tenant_id, "workflow_run_id": workflow_run_id, "event_name": event_name}
    return bool(db.execute(conn, "find_approval_wait", params, queue=queue_name))


def _run_id(approval_key: str) -> uuid.UUID:
    run_id_text, _, task_id = approval_key.partition(":")
    if not task_id:
        raise errors.ApprovalNotFound(_KEY_SHAPE)
    try:
        return uuid.UUID(run_id_text)
    except ValueError as err:
        raise errors.ApprovalNotFound(_KEY_SHAPE) from err


def _describe(decision: dict[str, Any]) -> str:
    verdict = "approved" if decision.get("approved") else "rejected"
    return f"{verdict} by {decision.get('approver')!s} at {decision.get('timestamp')!s}"


STATUSES = ("pending", "approved", "rejected")


def list_approvals(
    conn: db.Connection,
    tenant_id: str,
    queue_name: str,
    *,
    status: str | None,
    workflow_run_id: uuid.UUID | None,
    limit: int,
    offset: int,
) -> list[dict[str, Any]]:
    """One page of the tenant's approvals in its queue, newest first: waiting ones and decided ones."""
    params = {
        "tenant_id": tenant_id,
        "status": status,
        "workflow_run_id": workflow_run_id,
        "limit": limit,
        "offset": offset,
    }
    return [_view(row) for row in db.execute(conn, "list_approvals", params, queue=queue_name)]


def get_approval(conn: db.Connection, tenant_id: str, approval_key: str) -> dict[str, Any]:
    """One approval of the tenant: its decision, or its wait when it is not decided yet.

    Raises:
        ApprovalNotFound: the key is malformed, its run is not the tenant's, or nothing waits for it and
            nothing decided it.
    """
    run_id = _run_id(approval_key)
    event_name = approval.event_name(approval_key)
    with conn.transaction():  # one snapshot: a decision is seen, or the wait it ended
        try:
            queue_name = runs.find_run_queue(conn, tenant_id, run_id)["queue_name"]
        except errors.RunNotFound as err:
            raise errors.ApprovalNotFound(f"no approval {approval_key!r}: its run does not exist") from err
        decision = find_approval_decision(conn, queue_name, tenant_id, event_name)
        if decision is not None:
            return _view(
                {
                    "approval_key": approval_key,
                    "workflow_run_id": run_id,
                    "status": "approved" if decision.get("approved") is True else "rejected",
                    "requested_at": None,
                    "timeout_at": None,
                    "decided_at": None,
                    "decision": decision,
                }
            )
        params = {"tenant_id": tenant_id, "workflow_run_id": run_id, "event_name": event_name}
        waits = db.execute(conn, "get_approval_wait", params, queue=queue_name)
    if not waits:
        raise errors.ApprovalNotFound(f"no approval {approval_key!r}: nothing waits for it and nothing decided it")
    return _view(
        {
            "approval_key": approval_key,
            "workflow_run_id": run_id,
            "status": "pending",
            "decided_at": None,
            "decision": None,
            **waits[0],
        }
    )


def _view(row: db.Row) -> dict[str, Any]:
    decision: dict[str, Any] = row["decision"] or {}
    key: str = row["approval_key"]
    return {
        "approval_key": key,
        "workflow_run_id": str(row["workflow_run_id"]),
        "task_id": key.partition(":")[2],
        "status": row["status"],
        "requested_at": _iso(row["requested_at"]),
        "timeout_at": _iso(row["timeout_at"]),
        # The decision's own timestamp: the engine's time when it was posted.
        "decided_at": decision.get("timestamp") or _iso(row["decided_at"]),
        "approver": decision.get("approver"),
        "comment": decision.get("comment"),
    }


def _iso(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())
