"""Durable timers: a sleeping run holds no worker and wakes on time, even across worker restarts."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tests.integration.conftest import Tenant, WorkerPool
from tests.workflow_examples import load


def _lines(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_sleeping_run_wakes_after_a_worker_restart_without_repeating_earlier_steps(
    tenant: Tenant, workers: WorkerPool, tmp_path: Path
) -> None:
    first_worker = workers.start(tenant.queue)
    run_id = tenant.submit(load("sleep_between_steps"), {"dir": str(tmp_path)}).json()["data"]["workflow_run_id"]
    tenant.wait_for_state(run_id, ("sleeping",), timeout=10)
    first_worker.stop()
    assert first_worker.process.returncode == 0

    workers.start(tenant.queue)
    run = tenant.wait_for_state(run_id, timeout=20)

    assert run["state"] == "completed"
    assert _lines(tmp_path / "before.log") == 1
    assert _lines(tmp_path / "after.log") == 1
    slept = datetime.fromisoformat(run["finished_at"]) - datetime.fromisoformat(run["started_at"])
    assert slept.total_seconds() >= 2


def test_sleeping_run_frees_its_worker_for_other_runs(tenant: Tenant, workers: WorkerPool, tmp_path: Path) -> None:
    workers.start(tenant.queue, HWE_WORKER_CONCURRENCY="1")
    sleeper = tenant.submit(load("sleep_between_steps"), {"dir": str(tmp_path)}).json()["data"]["workflow_run_id"]
    tenant.wait_for_state(sleeper, ("sleeping",), timeout=10)

    other = tenant.submit(load("three_shell_steps"), {"name": "x"}).json()["data"]["workflow_run_id"]
    finished = tenant.wait_for_state(other, timeout=10)

    assert finished["state"] == "completed"
    assert tenant.run(sleeper)["state"] == "sleeping"
    assert tenant.wait_for_state(sleeper, timeout=10)["state"] == "completed"


def test_failed_attempts_are_retried_after_their_back_off(tenant: Tenant, workers: WorkerPool, tmp_path: Path) -> None:
    workers.start(tenant.queue)
    run_id = tenant.submit(load("flaky_task_with_retries"), {"dir": str(tmp_path)}).json()["data"]["workflow_run_id"]

    run = tenant.wait_for_state(run_id, timeout=20)

    assert run["state"] == "completed", run
    attempts = [float(line) for line in (tmp_path / "attempts.log").read_text().split()]
    assert len(attempts) == 3
    assert attempts[1] - attempts[0] >= 1.0  # delay
    assert attempts[2] - attempts[1] >= 2.0  # delay x backoff_factor
    assert run["progress"] == {"completed": 1, "total": 1}


def test_retries_stop_after_the_last_attempt_and_fail_the_run(
    tenant: Tenant, workers: WorkerPool, tmp_path: Path
) -> None:
    workers.start(tenant.queue)
    definition = load("flaky_task_with_retries")
    definition["tasks"]["flaky"]["retry_policy"] = {"max_retries": 1, "delay": "PT0.2S", "backoff_factor": 1.0}
    run_id = tenant.submit(definition, {"dir": str(tmp_path)}).json()["data"]["workflow_run_id"]

    run = tenant.wait_for_state(run_id, timeout=20)

    assert run["state"] == "failed"
    assert run["error"]["task_id"] == "flaky"
    assert _lines(tmp_path / "attempts.log") == 2


def test_driver_sdk_retry_shape_counts_total_attempts(tenant: Tenant, workers: WorkerPool, tmp_path: Path) -> None:
    workers.start(tenant.queue)
    definition = load("flaky_task_with_retries")
    definition["tasks"]["flaky"]["retry_policy"] = {
        "max_attempts": 3,
        "initial_interval_seconds": 0.2,
        "backoff_coefficient": 1.0,
    }
    run_id = tenant.submit(definition, {"dir": str(tmp_path)}).json()["data"]["workflow_run_id"]

    assert tenant.wait_for_state(run_id, timeout=20)["state"] == "completed"
    assert _lines(tmp_path / "attempts.log") == 3
