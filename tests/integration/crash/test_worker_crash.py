"""A worker killed with -9 mid-run: another worker finishes the run, completed steps never re-run."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.conftest import Tenant, WorkerPool, kill_hard, wait_until
from tests.workflow_examples import load


def _lines(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


@pytest.mark.usefixtures("timeout_service")
def test_killed_worker_run_is_finished_by_another_without_repeating_completed_steps(
    tenant: Tenant, workers: WorkerPool, tmp_path: Path
) -> None:
    doomed = workers.start(tenant.queue, lease_seconds=2)
    run_id = tenant.submit(load("side_effects_with_slow_middle"), inputs={"dir": str(tmp_path), "sleep": 3}).json()[
        "data"
    ]["workflow_run_id"]
    wait_until(lambda: _lines(tmp_path / "slow.log") == 1, 20, "the slow step to start")

    kill_hard(doomed)
    workers.start(tenant.queue, lease_seconds=2)
    run = tenant.wait_for_state(run_id, timeout=40)

    assert run["state"] == "completed", run
    assert _lines(tmp_path / "first.log") == 1  # checkpointed before the kill: replayed, not re-run
    assert _lines(tmp_path / "slow.log") == 2  # in flight at the kill: at least once means twice here
    assert _lines(tmp_path / "last.log") == 1
    assert run["progress"] == {"completed": 3, "total": 3}


def test_sigterm_lets_a_worker_finish_its_run_before_exiting(
    tenant: Tenant, workers: WorkerPool, tmp_path: Path
) -> None:
    worker = workers.start(tenant.queue)
    run_id = tenant.submit(load("side_effects_with_slow_middle"), inputs={"dir": str(tmp_path), "sleep": 1}).json()[
        "data"
    ]["workflow_run_id"]
    wait_until(lambda: _lines(tmp_path / "slow.log") == 1, 20, "the slow step to start")

    worker.stop()

    assert worker.process.returncode == 0, worker.log()
    assert tenant.run(run_id)["state"] == "completed"
    assert "draining" in worker.log()


def test_worker_that_cannot_drain_in_time_hands_its_run_back(
    tenant: Tenant, workers: WorkerPool, tmp_path: Path
) -> None:
    worker = workers.start(tenant.queue, HWE_WORKER_DRAIN_SECONDS="0.5")
    run_id = tenant.submit(load("side_effects_with_slow_middle"), inputs={"dir": str(tmp_path), "sleep": 30}).json()[
        "data"
    ]["workflow_run_id"]
    wait_until(lambda: _lines(tmp_path / "slow.log") == 1, 20, "the slow step to start")

    worker.stop()
    assert worker.process.returncode == 0, worker.log()
    assert "handed run" in worker.log()

    workers.start(tenant.queue)
    wait_until(lambda: _lines(tmp_path / "slow.log") == 2, 20, "another worker to resume the run at once")
    assert _lines(tmp_path / "first.log") == 1
    assert tenant.run(run_id)["state"] == "running"


@pytest.mark.usefixtures("timeout_service")
def test_killed_worker_mid_branch_the_branch_resumes_elsewhere_and_wakes_its_parent(
    tenant: Tenant, workers: WorkerPool, tmp_path: Path
) -> None:
    definition = load("parallel_fan_out")
    branch_a = definition["tasks"]["fork"]["branch_workflows"]["a"]["tasks"]
    branch_a["a1"]["args"] = [f"echo ran >> {tmp_path}/a1.log; sleep 3; echo a1-{{{{init.stdout}}}}"]
    doomed = workers.start(tenant.queue, lease_seconds=2)
    run_id = tenant.submit(definition, {"fail_b": 0}).json()["data"]["workflow_run_id"]
    wait_until(lambda: _lines(tmp_path / "a1.log") == 1, 20, "branch a's first task to start")

    kill_hard(doomed)
    workers.start(tenant.queue, lease_seconds=2)
    run = tenant.wait_for_state(run_id, timeout=40)

    assert run["state"] == "completed", run
    assert run["context"]["branches"]["a"]["result"]["stdout"] == "a2-after-a1-seed\n"
    assert _lines(tmp_path / "a1.log") == 2  # in flight at the kill: run again by the new worker
    listed = tenant.client.get("/api/v1/workflows", params={"limit": 20}).json()["data"]["items"]
    # The fork step had committed: the replayed parent started no branch a second time.
    assert sorted(r["workflow_name"] for r in listed if r["parent_run_id"] == run_id) == ["fork_a", "fork_b"]
