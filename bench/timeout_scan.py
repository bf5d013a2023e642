"""Does the timeout service's sweep stay flat as history grows? Sweep cost with 0 vs 1M finished runs.

Starts a private embedded PostgreSQL, creates a queue with a small live set (running runs whose
leases lapsed, unfinished runs with a past deadline), times full sweeps (lease expiry, invariants,
deadlines), then adds 1,000,000 finished runs (tasks, runs and workflow_run rows) and times the
same sweeps again. Prints medians and their ratio, and the plans of the sweep's scans.
Run: `.venv/bin/python bench/timeout_scan.py [--history 1000000]`.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from hwe import db, embedded, migrate, tenants, timeouts

QUEUE = "scan"
LIVE = 50
# Bench fixtures only: the engine's own statements live in hwe/sql/queries.
_ADD_HISTORY = [
    """
INSERT INTO hwe.workflow_run (workflow_run_id, tenant_id, workflow_name, workflow_version, definition, state,
                              queue_name, task_id, created_at, finished_at)
SELECT g.id, 'scan', 'history', '1', '{}', 'completed', 'scan', g.id, now() - interval '1 day', now()
FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, %(n)s)) g""",
    """INSERT INTO hwe.t_scan (task_id, workflow_run_id, task_name, state, attempts, enqueue_at, completed_at)
SELECT task_id, workflow_run_id, 'workflow', 'completed', 1, created_at, finished_at
FROM hwe.workflow_run WHERE workflow_name = 'history'""",
    """INSERT INTO hwe.r_scan (run_id, task_id, attempt, state, available_at, created_at, completed_at)
SELECT gen_random_uuid(), task_id, 1, 'completed', enqueue_at, enqueue_at, completed_at
FROM hwe.t_scan WHERE state = 'completed'""",
]
_ADD_LIVE = """
WITH runs AS (
    INSERT INTO hwe.workflow_run (workflow_run_id, tenant_id, workflow_name, workflow_version, definition, state,
                                  queue_name, task_id, deadline_at)
    SELECT g.id, 'scan', 'live', '1', '{}', 'running', 'scan', g.id, now() - interval '1 second'
    FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, %(n)s)) g
    RETURNING workflow_run_id, task_id
), tasks AS (
    INSERT INTO hwe.t_scan (task_id, workflow_run_id, task_name, state, attempts, max_attempts, enqueue_at)
    SELECT task_id, workflow_run_id, 'workflow', 'running', 1, 5, now() FROM runs
    RETURNING task_id
)
INSERT INTO hwe.r_scan (run_id, task_id, attempt, state, available_at, created_at, claim_expires_at, claimed_by)
SELECT gen_random_uuid(), task_id, 1, 'running', now(), now(), now() - interval '1 second', 'gone' FROM tasks
"""
_PLANS = [
    "EXPLAIN SELECT run_id FROM hwe.r_scan WHERE state = 'running' AND claim_expires_at < now() LIMIT 100",
    "EXPLAIN SELECT workflow_run_id FROM hwe.workflow_run WHERE deadline_at IS NOT NULL AND deadline_at < now() "
    "AND state IN ('pending', 'running', 'sleeping', 'waiting') LIMIT 100",
]


def _sweep(conn: db.Connection, batch: int) -> dict[str, float]:
    phases = {}
    started = time.perf_counter()
    for queue_name in timeouts.list_queues(conn):
        timeouts.expire_leases(conn, queue_name, batch)
        phases["leases"] = time.perf_counter() - started
        timeouts.check_invariants(conn, queue_name, batch)
        phases["invariants"] = time.perf_counter() - started - phases["leases"]
    timeouts.enforce_deadlines(conn, batch)
    phases["total"] = time.perf_counter() - started
    phases["deadlines"] = phases["total"] - phases["leases"] - phases["invariants"]
    return phases


def _measure(conn: db.Connection, rounds: int) -> dict[str, float]:
    samples = []
    for _ in range(rounds):
        conn.execute(_ADD_LIVE, {"n": LIVE})  # fresh work for every sweep: expired leases, past deadlines
        samples.append(_sweep(conn, 100))
    return {phase: statistics.median(s[phase] for s in samples) for phase in samples[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--history", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="hwe-scan-"))
    server = embedded.start_server(root / "pgdata", delete_on_exit=True)
    with db.connect(embedded.server_url(server)) as conn:
        migrate.apply_migrations(conn)
        tenants.create_tenant(conn, QUEUE, queue_name=QUEUE)
        _measure(conn, 3)  # warm-up
        empty = _measure(conn, args.rounds)
        started = time.perf_counter()
        for statement in _ADD_HISTORY:
            conn.execute(statement, {"n": args.history})
        conn.execute("VACUUM ANALYZE")
        print(f"added {args.history:,} finished runs in {time.perf_counter() - started:.1f}s")
        full = _measure(conn, args.rounds)
        for plan in _PLANS:
            print("\n".join(row["QUERY PLAN"] for row in conn.execute(plan).fetchall()))
    print(f"sweep of {LIVE} live runs, medians of {args.rounds} sweeps (ms): no history vs {args.history:,} finished")
    for phase in ("leases", "invariants", "deadlines", "total"):
        print(
            f"  {phase:<11}{empty[phase] * 1000:8.1f}{full[phase] * 1000:8.1f}   ratio {full[phase] / empty[phase]:.2f}"
        )


if __name__ == "__main__":
    main()
