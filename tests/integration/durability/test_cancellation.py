"""Cancelling a run: the worker stops it at its next heartbeat and writes nothing more."""

from __future__ import annotations

from pathlib import Path

from tests.integration.conftest import Tenant, WorkerPool, wait_until
from tests.workflow_examples import load


def test_cancel_mid_step_stops_the_step_and_the_run_stays_cancelled(
    tenant: Tenant, workers: WorkerPool, tmp_path: Path
) -> None:
    worker = workers.start(tenant.queue, lease_seconds=1.5)
    run_id = tenant.submit(load("long_step"), {"dir": str(tmp_path), "sleep": 6}).json()["data"]["workflow_run_id"]
    wait_until(lambda: (tmp_path / "long.log").exists(), 10, "the long step to start")

    response = tenant.client.post(f"/api/v1/workflows/{run_id}/cancel")

    assert response.status_code == 200, response.text
    assert tenant.run(run_id)["state"] == "cancelled"
    wait_until(lambda: "lost its lease or was cancelled" in worker.log(), 5, "the worker to notice the cancel")
    assert tenant.run(run_id)["state"] == "cancelled"
    assert tenant.run(run_id)["context"] == {}
    assert (tmp_path / "long.log").read_text().split() == ["started"]


def test_cancel_of_a_pending_run_means_no_worker_ever_runs_it(
    tenant: Tenant, workers: WorkerPool, tmp_path: Path
) -> None:
    run_id = tenant.submit(load("long_step"), {"dir": str(tmp_path), "sleep": 0}).json()["data"]["workflow_run_id"]
    assert tenant.client.post(f"/api/v1/workflows/{run_id}/cancel").status_code == 200

    workers.start(tenant.queue)
    other = tenant.submit(load("three_shell_steps"), {"name": "after"}).json()["data"]["workflow_run_id"]
    assert tenant.wait_for_state(other)["state"] == "completed"  # the worker serves the queue

    assert not (tmp_path / "long.log").exists()
    assert tenant.run(run_id)["state"] == "cancelled"


def test_cancelling_a_finished_run_is_409(tenant: Tenant, workers: WorkerPool) -> None:
    workers.start(tenant.queue)
    run_id = tenant.submit(load("three_shell_steps"), {"name": "x"}).json()["data"]["workflow_run_id"]
    tenant.wait_for_state(run_id)

    response = tenant.client.post(f"/api/v1/workflows/{run_id}/cancel")

    assert response.status_code == 409
    assert response.json()["code"] == "not_cancellable"


def test_cancelling_another_tenants_run_is_404(make_tenant: object) -> None:
    owner, stranger = make_tenant(), make_tenant()  # type: ignore[operator]
    run_id = owner.submit(load("three_shell_steps"), {"name": "x"}).json()["data"]["workflow_run_id"]
    assert stranger.client.post(f"/api/v1/workflows/{run_id}/cancel").status_code == 404
    assert owner.run(run_id)["state"] == "pending"
