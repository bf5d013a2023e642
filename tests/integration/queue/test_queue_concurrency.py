"""The queue under concurrent sessions: no deadlock, no double claim, one task per idempotency key.

These drive the queue client directly over several real connections, the way many workers,
the API and the cancel path hit the same rows at once.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

from hwe import db, errors, events, queue, tenants


def _new_queue(conn: db.Connection) -> tuple[str, str]:
    name = f"q{uuid.uuid4().hex[:12]}"
    tenants.create_tenant(conn, name, queue_name=name)
    return name, name


def _spawn(conn: db.Connection, queue_name: str, key: str) -> uuid.UUID | None:
    with conn.transaction():
        return queue.spawn_task(
            conn,
            queue_name,
            task_id=uuid.uuid4(),
            workflow_run_id=uuid.uuid4(),
            task_name="work",
            params={},
            idempotency_key=key,
            retry_strategy={"kind": "fixed", "base_seconds": 0},
            max_attempts=3,
        )


def _in_threads(count: int, work: Any, *args: Any) -> list[Any]:
    pool = ThreadPoolExecutor(max_workers=count)
    try:
        futures = [pool.submit(work, index, *args) for index in range(count)]
        return [future.result() for future in as_completed(futures, timeout=120)]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def test_concurrent_spawns_with_one_idempotency_key_create_one_task(database_url: str, conn: db.Connection) -> None:
    queue_name, _ = _new_queue(conn)
    barrier = threading.Barrier(8)

    def spawn(index: int) -> uuid.UUID | None:
        with db.connect(database_url) as own:
            barrier.wait()
            return _spawn(own, queue_name, "same-key")

    created = [run_id for run_id in _in_threads(8, spawn) if run_id is not None]

    assert len(created) == 1


def test_claims_completes_fails_cancels_and_emits_at_once_never_deadlock_or_double_claim(
    database_url: str, conn: db.Connection
) -> None:
    queue_name, tenant_id = _new_queue(conn)
    task_ids = []
    for index in range(150):
        _spawn(conn, queue_name, f"task-{index}")
    task_ids = [row["task_id"] for row in conn.execute(f"SELECT task_id FROM hwe.t_{queue_name}").fetchall()]
    claims: list[tuple[uuid.UUID, int]] = []
    claims_lock = threading.Lock()
    completed: Counter[uuid.UUID] = Counter()
    deadline = time.monotonic() + 8

    def session(index: int) -> int:
        rng = random.Random(index)
        operations = 0
        with db.connect(database_url) as own:
            while time.monotonic() < deadline:
                operations += 1
                if index == 0:  # the API: cancels and events
                    with own.transaction():
                        queue.cancel_task(own, queue_name, rng.choice(task_ids))
                    with own.transaction():
                        events.emit_event(
                            own,
                            queue_name,
                            tenant_id=tenant_id,
                            workflow_run_id=uuid.uuid4(),
                            event_name=f"e{rng.randrange(5)}",
                            payload={"n": operations},
                        )
                    continue
                with own.transaction():
                    queue.expire_leases(own, queue_name, 10)
                with own.transaction():
                    claimed = queue.claim_tasks(
                        own, queue_name, worker_id=f"w{index}", limit=5, lease_seconds=0.2
                    ).claims
                with claims_lock:
                    claims.extend((c.run_id, c.fencing_token) for c in claimed)
                for claim in claimed:
                    try:
                        with own.transaction():
                            if rng.random() < 0.7:
                                queue.complete_run(own, claim, {"by": index})
                                completed[claim.task_id] += 1
                            else:
                                queue.fail_run(own, claim, {"type": "test"}, retry_delay=0)
                    except errors.FencingLost:
                        pass  # cancelled or expired meanwhile: refused, as designed
        return operations

    operations = _in_threads(6, session)

    assert sum(operations) > 100
    assert len(claims) == len(set(claims)), "a run was handed out twice under the same fencing token"
    assert all(count == 1 for count in completed.values()), "a task was completed twice"
    states = conn.execute(f"SELECT state, count(*) AS n FROM hwe.t_{queue_name} GROUP BY state").fetchall()
    assert {row["state"] for row in states} <= {"pending", "running", "completed", "failed", "cancelled"}


def test_second_session_completing_a_run_waits_for_the_cancel_holding_its_lock(
    database_url: str, conn: db.Connection
) -> None:
    queue_name, _ = _new_queue(conn)
    _spawn(conn, queue_name, "locked")
    with conn.transaction():
        (claim,) = queue.claim_tasks(conn, queue_name, worker_id="w", limit=1, lease_seconds=30).claims

    with db.connect(database_url) as canceller, db.connect(database_url) as worker:
        canceller_pid = canceller.info.backend_pid
        with canceller.transaction():
            assert queue.cancel_task(canceller, queue_name, claim.task_id)
            outcome: dict[str, Any] = {}

            def complete() -> None:
                try:
                    with worker.transaction():
                        queue.complete_run(worker, claim, {})
                except errors.FencingLost as err:
                    outcome["error"] = err

            thread = threading.Thread(target=complete)
            thread.start()
            # Proven by the server, not by timing: the worker's session waits on the canceller's lock.
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                row = conn.execute(
                    "SELECT pg_blocking_pids(pid) AS blockers FROM pg_stat_activity WHERE pid = %s",
                    (worker.info.backend_pid,),
                ).fetchone()
                if row and canceller_pid in (row["blockers"] or []):
                    break
                time.sleep(0.02)
            else:
                raise AssertionError("the completing session never waited for the cancel's lock")
        thread.join(timeout=10)

    assert isinstance(outcome.get("error"), errors.FencingLost)
    assert conn.execute(f"SELECT state FROM hwe.t_{queue_name}").fetchone()["state"] == "cancelled"


def test_stale_worker_cannot_heartbeat_checkpoint_or_complete_after_its_lease_expired(
    database_url: str, conn: db.Connection
) -> None:
    queue_name, _ = _new_queue(conn)
    _spawn(conn, queue_name, "zombie")
    with conn.transaction():
        (stale,) = queue.claim_tasks(conn, queue_name, worker_id="zombie", limit=1, lease_seconds=30).claims
    # Move this session's engine clock past the lease instead of sleeping through it.
    conn.execute("SELECT set_config('hwe.fake_now', (clock_timestamp() + interval '1 minute')::text, false)")
    with conn.transaction():
        assert len(queue.expire_leases(conn, queue_name, 10)) == 1
    with conn.transaction():
        (fresh,) = queue.claim_tasks(conn, queue_name, worker_id="successor", limit=1, lease_seconds=30).claims
    assert fresh.task_id == stale.task_id and fresh.run_id != stale.run_id

    for write in (
        lambda c: queue.heartbeat_run(c, stale, 30),
        lambda c: queue.checkpoint_step(
            c, stale, step_name="s", position=1, state={}, context_patch={}, lease_seconds=30
        ),
        lambda c: queue.complete_run(c, stale, {"by": "zombie"}),
        lambda c: queue.fail_run(c, stale, {"type": "zombie"}, retry_delay=None),
    ):
        try:
            with conn.transaction():
                write(conn)
        except errors.FencingLost:
            continue
        raise AssertionError("a stale worker's write was accepted")
    with conn.transaction():
        queue.complete_run(conn, fresh, {"by": "successor"})
    assert conn.execute(f"SELECT result FROM hwe.t_{queue_name}").fetchone()["result"] == {"by": "successor"}
