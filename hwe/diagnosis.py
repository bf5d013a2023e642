"""Why a run is (or is not) moving: its state, its queue attempt, lease, wake-up and wait.

Served by `GET /workflows/{id}/diagnosis`; reads only.
"""

from __future__ import annotations

import uuid
from typing import Any

from hwe import db, runs


def diagnose(conn: db.Connection, tenant_id: str, workflow_run_id: uuid.UUID) -> dict[str, Any]:
    """Explains why a run is (or is not) moving: its state, its queue attempt, lease, wake-up and wait.

    Raises:
        RunNotFound: no such run for this tenant.
    """
    run = runs.find_run_queue(conn, tenant_id, workflow_run_id)
    rows = db.execute(conn, "diagnose_run", {"task_id": run["task_id"]}, queue=run["queue_name"])
    attempt = rows[0] if rows else None
    return {
        "workflow_run_id": str(workflow_run_id),
        "state": run["state"],
        "queue": run["queue_name"],
        "reason": _reason(run["state"], attempt),
        "attempt": _attempt_view(attempt),
    }


def _reason(state: str, attempt: db.Row | None) -> str:
    if state in runs.TERMINAL_STATES:
        return f"the run is {state}; it will not move again"
    if attempt is None:
        return "the run has no queue attempt: an invariant is broken; the timeout service reports it"
    if attempt["run_state"] == "running":
        if attempt["lease_expired"]:
            return "its worker stopped renewing the lease; the timeout service will hand the run to another worker"
        return f"running on worker {attempt['claimed_by']}; lease valid until {attempt['claim_expires_at'].isoformat()}"
    if attempt["event_name"] is not None:
        until = "with no timeout" if attempt["timeout_at"] is None else f"until {attempt['timeout_at'].isoformat()}"
        return f"waiting for the event {attempt['event_name']!r} {until}"
    if attempt["run_state"] == "sleeping" and not attempt["due"]:
        return f"sleeping until {attempt['available_at'].isoformat()}"
    return "ready and waiting for a worker: is a worker serving this queue?"


def _attempt_view(attempt: db.Row | None) -> dict[str, Any] | None:
    if attempt is None:
        return None
    return {
        "attempt": attempt["attempt"],
        "state": attempt["run_state"],
        "claimed_by": attempt["claimed_by"],
        "lease_expires_at": _iso(attempt["claim_expires_at"]),
        "available_at": _iso(attempt["available_at"]),
        "waiting_for_event": attempt["event_name"],
        "wait_timeout_at": _iso(attempt["timeout_at"]),
    }


def _iso(value: Any) -> str | None:
    # 'infinity' timestamps come back as datetime.max, which has no ISO form worth showing.
    if value is None or value.year >= 9999:
        return None
    return str(value.isoformat())
