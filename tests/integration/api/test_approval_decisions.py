"""Approval decisions take effect or say why not: 404 for an approval nothing waits for, 409 once decided."""

from __future__ import annotations

from tests.integration.conftest import Tenant, WorkerPool
from tests.workflow_examples import load


def _waiting_run(tenant: Tenant) -> str:
    run_id: str = tenant.submit(load("approval_gate"), {"order": "o-1"}).json()["data"]["workflow_run_id"]
    tenant.wait_for_state(run_id, ("waiting",), timeout=15)
    return run_id


def test_approving_a_key_that_nothing_waits_for_is_404_not_a_success(tenant: Tenant) -> None:
    run_id = tenant.submit(load("approval_gate"), {"order": "o-2"}).json()["data"]["workflow_run_id"]

    response = tenant.client.post(f"/api/v1/approvals/{run_id}:no_such_task/approve", json={"approver": "ada"})

    assert response.status_code == 404, response.text
    assert response.json()["code"] == "not_found"
    assert "no approval" in response.json()["message"]
    assert tenant.client.get(f"/api/v1/workflows/{run_id}/events").json()["data"]["emitted"] == []


def test_rejecting_after_an_approval_is_409_naming_the_decision_that_stands(
    tenant: Tenant, workers: WorkerPool
) -> None:
    workers.start(tenant.queue)
    run_id = _waiting_run(tenant)
    approved = tenant.client.post(f"/api/v1/approvals/{run_id}:approve/approve", json={"approver": "ada"})

    late = tenant.client.post(f"/api/v1/approvals/{run_id}:approve/reject", json={"approver": "grace"})
    run = tenant.wait_for_state(run_id)

    assert approved.status_code == 200, approved.text
    assert approved.json()["data"]["approved"] is True
    assert approved.json()["data"]["woken"] == 1
    assert late.status_code == 409, late.text
    assert late.json()["code"] == "approval_decided"
    assert "already approved by ada" in late.json()["message"]
    assert run["context"]["approval"]["approved"] is True


def test_repeating_a_decision_with_its_idempotency_key_answers_the_first_answer(
    tenant: Tenant, workers: WorkerPool
) -> None:
    workers.start(tenant.queue)
    run_id = _waiting_run(tenant)
    url, headers = f"/api/v1/approvals/{run_id}:approve/approve", {"X-Idempotency-Key": "decide-1"}

    first = tenant.client.post(url, json={"approver": "ada"}, headers=headers)
    again = tenant.client.post(url, json={"approver": "ada"}, headers=headers)

    assert first.status_code == again.status_code == 200, again.text
    assert again.json()["data"] == first.json()["data"]
