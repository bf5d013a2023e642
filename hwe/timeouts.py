"""The sweeps of the timeout service: expired leases, workflow deadlines, invariants, cleanup.

Called by `services/timeout` on a timer; each sweep is bounded (a batch per queue) and each change
is its own short transaction. Several replicas may run at once: every sweep claims its rows with
FOR UPDATE SKIP LOCKED or changes them by check-and-set, so a row is handled by one replica and a
run that finished in the meantime keeps its outcome. Task timeouts are enforced by the worker that
runs the task (it kills the task's process); event-wait timeouts and durable timers need no sweep:
the waiting run is claimable at its timeout, and the claim query finds it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from hwe import children, db, queue, runs, workers

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Violation:
    """A run found breaking an invariant, and whether the sweep repaired it."""

    kind: str
    queue: str
    identifier: str
    repaired: bool


def list_queues(conn: db.Connection) -> list[str]:
    """Every queue's name."""
    return [row["queue_name"] for row in db.execute(conn, "list_queues")]


def expire_leases(conn: db.Connection, queue_name: str, limit: int) -> int:
    """Expires up to `limit` lapsed leases of one queue in one transaction; returns how many."""
    with conn.transaction():
        expired = queue.expire_leases(conn, queue_name, limit)
        for row in expired:
            retried = row["task_state"] == "pending"
            runs.append_event(conn, row["workflow_run_id"], "lease_expired", row["run_id"], {"retry": retried})
            if row["state"] is not None:  # out of attempts: the workflow run failed with it
                runs.append_event(conn, row["workflow_run_id"], "failed", row["run_id"], {"reason": "lease_expired"})
                children.notify_parent(conn, row)
        return len(expired)


def enforce_deadlines(conn: db.Connection, limit: int) -> list[tuple[str, str]]:
    """Ends up to `limit` runs past their deadline (fail or cancel); returns (run id, new state) pairs."""
    ended = []
    for run in db.execute(conn, "find_overdue_runs", {"limit": limit}):
        with conn.transaction():
            # Queue rows first (runs, then task), then the run row: the usual lock order.
            queue.cancel_task(conn, run["queue_name"], run["task_id"])
            rows = db.execute(conn, "mark_run_past_deadline", {"workflow_run_id": run["workflow_run_id"]})
            if rows:
                children.notify_parent(conn, rows[0])
                runs.append_event(
                    conn, run["workflow_run_id"], "deadline_exceeded", None, {"action": run["deadline_action"]}
                )
                # The run ended: its terminal record, as every other way of ending writes one.
                runs.append_event(conn, run["workflow_run_id"], str(rows[0]["state"]), None, {"reason": "deadline"})
        if rows:
            ended.append((str(run["workflow_run_id"]), str(rows[0]["state"])))
            logger.info("run %s passed its deadline: %s", run["workflow_run_id"], rows[0]["state"])
    return ended


def check_invariants(conn: db.Connection, queue_name: str, limit: int) -> list[Violation]:
    """Repairs what breaks the queue's invariants and reports what it cannot repair."""
    params = {"limit": limit, "channel": db.queue_channel(queue_name), "queue_name": queue_name}
    with conn.transaction():
        unleased = db.execute(conn, "repair_unleased_runs", params, queue=queue_name)
        stranded = db.execute(conn, "repair_stranded_sleepers", params, queue=queue_name)
    orphaned = db.execute(conn, "find_orphaned_workflow_runs", params, queue=queue_name)
    violations = [Violation("running_without_lease", queue_name, str(r["run_id"]), True) for r in unleased]
    violations += [Violation("sleeping_without_wakeup", queue_name, str(r["run_id"]), True) for r in stranded]
    violations += [
        Violation("unfinished_run_without_task", queue_name, str(r["workflow_run_id"]), False) for r in orphaned
    ]
    for violation in violations:
        logger.warning(
            "invariant %s broken by %s in queue %s (repaired: %s)",
            violation.kind,
            violation.identifier,
            violation.queue,
            violation.repaired,
        )
    return violations


def cleanup(
    conn: db.Connection,
    queue_name: str,
    *,
    task_ttl_seconds: float,
    event_ttl_seconds: float,
    worker_ttl_seconds: float,
    limit: int,
) -> tuple[int, int, int]:
    """Deletes old finished tasks, old events and long-offline workers of one queue; returns how many of each."""
    with conn.transaction():
        tasks = queue.cleanup_tasks(conn, queue_name, ttl_seconds=task_ttl_seconds, limit=limit)
    with conn.transaction():
        event_count = queue.cleanup_events(conn, queue_name, ttl_seconds=event_ttl_seconds, limit=limit)
    with conn.transaction():
        worker_count = len(workers.remove_offline_workers(conn, queue_name, worker_ttl_seconds, limit))
    return tasks, event_count, worker_count
