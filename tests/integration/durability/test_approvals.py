"""Human approvals: tools.approval.request waits (holding no worker) until the API decides."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import Tenant, WorkerPool
from tests.workflow_examples import load


def _waiting_run(tenant: Tenant, example: str = "approval_gate") -> str:
    run_id: str = tenant.submit(load(example), {"order": "o-1"}).json()["data"]["workflow_run_id"]
    tenant.wait_for_state(run_id, ("waiting",), timeout=15)
    return run_id


def test_approval_over_the_api_wakes_the_run_with_the_decision(tenant: Tenant, workers: WorkerPool) -> None:
    workers.start(tenant.queue)
    run_id = _waiting_run(tenant)

    response = tenant.client.post(f"/api/v1/approvals/{run_id}:approve/approve", json={"approver": "ada"})
    run = tenant.wait_for_state(run_id)

    assert response.status_code == 200, response.text
    assert response.json()["data"]["woken"] == 1
    assert run["state"] == "completed"
    assert run["context"]["approval"]["approved"] is True
    assert run["context"]["report"]["stdout"] == "ada true"  # templates render JSON values


def test_rejection_is_a_decision_the_workflow_sees(tenant: Tenant, workers: WorkerPool) -> None:
    workers.start(tenant.queue)
    run_id = _waiting_run(tenant)

    tenant.client.post(f"/api/v1/approvals/{run_id}:approve/reject", json={"approver": "grace", "comment": "no"})
    run = tenant.wait_for_state(run_id)

    assert run["context"]["approval"]["approved"] is False
    assert run["context"]["approval"]["comment"] == "no"


def test_the_first_decision_wins_and_a_later_one_is_refused(tenant: Tenant, workers: WorkerPool) -> None:
    workers.start(tenant.queue)
    run_id = _waiting_run(tenant)
    tenant.client.post(f"/api/v1/approvals/{run_id}:approve/reject", json={"approver": "first"})
    tenant.wait_for_state(run_id)

    late = tenant.client.post(f"/api/v1/approvals/{run_id}:approve/approve", json={"approver": "second"})

    assert late.status_code == 409
    assert late.json()["code"] == "approval_decided"
    assert tenant.run(run_id)["context"]["approval"]["approver"] == "first"


def test_an_approval_that_never_comes_fails_the_task_at_its_timeout(tenant: Tenant, workers: WorkerPool) -> None:
    workers.start(tenant.queue)
    run_id = tenant.submit(load("approval_gate_briefly"), {"order": "o-2"}).json()["data"]["workflow_run_id"]

    run = tenant.wait_for_state(run_id, timeout=15)

    assert run["state"] == "failed"
    assert "no approval decision within 1 seconds" in run["error"]["message"]


def test_another_tenant_cannot_decide_an_approval(make_tenant: Any, workers: WorkerPool) -> None:
    owner, stranger = make_tenant(), make_tenant()
    workers.start(owner.queue)
    run_id = _waiting_run(owner)

    assert stranger.client.post(f"/api/v1/approvals/{run_id}:approve/approve").status_code == 404
    assert owner.client.post("/api/v1/approvals/not-a-key/approve").status_code == 404
    assert owner.run(run_id)["state"] == "waiting"
