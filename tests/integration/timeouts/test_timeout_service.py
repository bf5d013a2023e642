"""The timeout service: lapsed leases, task timeouts, deadlines, invariants, and the lease race."""

from __future__ import annotations

import re
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from hwe import db, errors, queue, tenants, timeouts
from tests.integration.conftest import Tenant, WorkerPool, free_port, kill_hard, start_ready_service, wait_until
from tests.workflow_examples import load


def _starts(directory: Path) -> list[tuple[float, int]]:
    """(epoch seconds, worker pid) of each start of the slow step."""
    path = directory / "starts.log"
    lines = path.read_text().splitlines() if path.exists() else []
    return [(float(stamp), int(pid)) for stamp, pid in (line.split() for line in lines)]


def _kill_the_worker_running_it(workers: WorkerPool, directory: Path) -> None:
    pid = _starts(directory)[0][1]
    kill_hard(next(service for service in workers.started if service.process.pid == pid))


@pytest.mark.usefixtures("timeout_service")
def test_killed_workers_run_is_taken_over_by_a_standby_worker_once_its_lease_expires(
    tenant: Tenant, workers: WorkerPool, tmp_path: Path
) -> None:
    lease = 2.0
    workers.start(tenant.queue, lease_seconds=lease)
    workers.start(tenant.queue, lease_seconds=lease)
    run_id = tenant.submit(load("stamped_slow_step"), {"dir": str(tmp_path), "sleep": 3}).json()["data"][
        "workflow_run_id"
    ]
    wait_until(lambda: len(_starts(tmp_path)) == 1, 10, "the step to start")

    _kill_the_worker_running_it(workers, tmp_path)
    # Takeover takes about lease + the timeout service's scan; this bound fails only when it does not happen at
    # all, not on a loaded machine. How fast it is, bench/recovery.py measures (docs/benchmarks.md).
    wait_until(lambda: len(_starts(tmp_path)) == 2, lease * 5 + 10, "the standby worker to resume the run")

    assert _starts(tmp_path)[1][1] != _starts(tmp_path)[0][1]
    assert tenant.wait_for_state(run_id)["state"] == "completed"
    assert len(_starts(tmp_path)) == 2  # the standby ran the step once; nobody ran it a third time
    audit = _audit(tenant, run_id)
    assert ("lease_expired", {"retry": True}) in audit  # the timeout is on the trail


def _audit(tenant: Tenant, run_id: str) -> list[tuple[str, Any]]:
    """The run's audit trail: (event type, detail) of each record, oldest first."""
    response = tenant.client.get(f"/api/v1/workflows/{run_id}/events")
    assert response.status_code == 200, response.text
    return [(record["event_type"], record["detail"]) for record in response.json()["data"]["audit"]]


def test_task_timeout_fails_the_task_and_kills_its_process(tenant: Tenant, workers: WorkerPool, tmp_path: Path) -> None:
    workers.start(tenant.queue)
    started = time.monotonic()
    run_id = tenant.submit(load("task_with_timeout"), {"dir": str(tmp_path)}).json()["data"]["workflow_run_id"]

    run = tenant.wait_for_state(run_id, timeout=15)

    assert run["state"] == "failed"
    assert run["error"]["task_id"] == "slow"
    assert "timed out after 1 seconds" in run["error"]["message"]
    assert time.monotonic() - started < 10
    assert not (tmp_path / "finished").exists()


@pytest.mark.usefixtures("timeout_service")
@pytest.mark.parametrize(
    ("example", "state"), [("deadline_while_sleeping", "failed"), ("deadline_cancels", "cancelled")]
)
def test_workflow_deadline_ends_the_run_with_its_action_and_a_reason(
    tenant: Tenant, workers: WorkerPool, example: str, state: str
) -> None:
    workers.start(tenant.queue)
    run_id = tenant.submit(load(example), {}).json()["data"]["workflow_run_id"]

    run = tenant.wait_for_state(run_id, timeout=15)

    assert run["state"] == state
    assert run["error"]["type"] == "deadline_exceeded"
    assert "after" not in run["context"]
    kinds = [kind for kind, _ in _audit(tenant, run_id)]
    assert kinds[-2:] == ["deadline_exceeded", state]  # the timeout and the end it caused, on the trail


def _claim_one(conn: db.Connection, queue_name: str, lease: float = 30) -> queue.ClaimedTask:
    with conn.transaction():
        queue.spawn_task(
            conn,
            queue_name,
            task_id=uuid.uuid4(),
            workflow_run_id=uuid.uuid4(),
            task_name="t",
            params={},
            idempotency_key=str(uuid.uuid4()),
            max_attempts=3,
        )
    with conn.transaction():
        (claim,) = queue.claim_tasks(conn, queue_name, worker_id="w", limit=1, lease_seconds=lease).claims
    return claim


def _queue(conn: db.Connection) -> str:
    name = f"q{uuid.uuid4().hex[:12]}"
    tenants.create_tenant(conn, name, queue_name=name)
    return name


def _move_clock(conn: db.Connection, minutes: int) -> None:
    conn.execute(
        "SELECT set_config('hwe.fake_now', (clock_timestamp() + make_interval(mins => %s))::text, false)", (minutes,)
    )


def test_completion_just_before_expiry_wins_the_race_against_the_sweep(database_url: str, conn: db.Connection) -> None:
    queue_name = _queue(conn)
    claim = _claim_one(conn, queue_name)
    with db.connect(database_url) as worker, db.connect(database_url) as sweeper:
        _move_clock(sweeper, 5)  # the sweeper sees the lease as expired
        with worker.transaction():
            queue.complete_run(worker, claim, {"by": "worker"})
            # The worker's completion holds the run row; the sweep skips it instead of overwriting it.
            assert timeouts.expire_leases(sweeper, queue_name, 10) == 0
        assert timeouts.expire_leases(sweeper, queue_name, 10) == 0
    row = conn.execute(f"SELECT state, result FROM hwe.t_{queue_name}").fetchone()
    assert row == {"state": "completed", "result": {"by": "worker"}}


def test_expiry_just_before_completion_fences_the_late_worker_off(database_url: str, conn: db.Connection) -> None:
    queue_name = _queue(conn)
    claim = _claim_one(conn, queue_name)
    with db.connect(database_url) as sweeper:
        _move_clock(sweeper, 5)
        assert timeouts.expire_leases(sweeper, queue_name, 10) == 1
    with pytest.raises(errors.FencingLost), conn.transaction():
        queue.complete_run(conn, claim, {"by": "zombie"})
    row = conn.execute(f"SELECT state, attempts FROM hwe.t_{queue_name}").fetchone()
    assert row == {"state": "pending", "attempts": 2}


def test_two_sweepers_at_once_expire_each_lease_exactly_once(database_url: str, conn: db.Connection) -> None:
    queue_name = _queue(conn)
    for _ in range(40):
        _claim_one(conn, queue_name)
    counts: list[int] = []
    barrier = threading.Barrier(2)

    def sweep() -> None:
        with db.connect(database_url) as own:
            _move_clock(own, 5)
            barrier.wait()
            counts.append(sum(timeouts.expire_leases(own, queue_name, 7) for _ in range(10)))

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sum(counts) == 40
    attempts = conn.execute(f"SELECT count(*) AS n FROM hwe.r_{queue_name} WHERE attempt = 2").fetchone()
    assert attempts == {"n": 40}


def test_running_run_without_a_lease_is_repaired_and_reported(
    tenant: Tenant, workers: WorkerPool, conn: db.Connection, tmp_path: Path
) -> None:
    run_id = tenant.submit(load("three_shell_steps"), {"name": "x"}).json()["data"]["workflow_run_id"]
    conn.execute(f"UPDATE hwe.r_{tenant.queue} SET state = 'running', claim_expires_at = NULL")

    violations = timeouts.check_invariants(conn, tenant.queue, 10)
    with conn.transaction():
        queue.expire_leases(conn, tenant.queue, 10)
    workers.start(tenant.queue)

    assert [v.kind for v in violations] == ["running_without_lease"]
    assert tenant.wait_for_state(run_id)["state"] == "completed"


def test_sleeping_run_without_a_wake_up_is_repaired(tenant: Tenant, workers: WorkerPool, conn: db.Connection) -> None:
    run_id = tenant.submit(load("three_shell_steps"), {"name": "x"}).json()["data"]["workflow_run_id"]
    conn.execute(f"UPDATE hwe.r_{tenant.queue} SET state = 'sleeping', available_at = 'infinity'")

    violations = timeouts.check_invariants(conn, tenant.queue, 10)
    workers.start(tenant.queue)

    assert [v.kind for v in violations] == ["sleeping_without_wakeup"]
    assert tenant.wait_for_state(run_id)["state"] == "completed"


def test_diagnosis_says_why_a_run_is_not_moving(tenant: Tenant, workers: WorkerPool) -> None:
    def diagnosis(run_id: str) -> dict[str, Any]:
        response = tenant.client.get(f"/api/v1/workflows/{run_id}/diagnosis")
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()["data"]
        return data

    idle = tenant.submit(load("three_shell_steps"), {"name": "x"}).json()["data"]["workflow_run_id"]
    assert "waiting for a worker" in diagnosis(idle)["reason"]

    workers.start(tenant.queue)
    waiting = tenant.submit(load("wait_for_approval"), {"order": "d1"}).json()["data"]["workflow_run_id"]
    tenant.wait_for_state(waiting, ("waiting",), timeout=10)
    assert "waiting for the event 'approval_d1' until" in diagnosis(waiting)["reason"]
    assert diagnosis(waiting)["attempt"]["waiting_for_event"] == "approval_d1"

    tenant.wait_for_state(idle)
    assert diagnosis(idle)["reason"] == "the run is completed; it will not move again"


def test_timeout_service_exports_what_it_expired(
    tenant: Tenant, workers: WorkerPool, service_env: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()
    env = {**service_env, "HWE_TIMEOUT_SCAN_SECONDS": "0.2", "HWE_TIMEOUT_METRICS_PORT": str(port)}
    service = start_ready_service("services.timeout", env, tmp_path, "timeout", "HWE_TIMEOUT_HEALTH_FILE")
    try:
        workers.start(tenant.queue, lease_seconds=1)
        workers.start(tenant.queue, lease_seconds=1)
        run_id = tenant.submit(load("stamped_slow_step"), {"dir": str(tmp_path), "sleep": 3}).json()["data"][
            "workflow_run_id"
        ]
        wait_until(lambda: len(_starts(tmp_path)) == 1, 10, "the step to start")
        _kill_the_worker_running_it(workers, tmp_path)
        assert tenant.wait_for_state(run_id, timeout=20)["state"] == "completed"
        text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
        expired = re.search(r'^hwe_timeouts_total\{kind="lease"\} (\d+)', text, re.M)
        assert expired is not None and int(expired.group(1)) >= 1, text
    finally:
        service.stop()
    assert service.process.returncode == 0
