"""Events: buffered before a wait, delivered after it, timed out durably, never across tenants."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.conftest import Tenant, WorkerPool
from tests.workflow_examples import load


def _post_event(tenant: Tenant, run_id: str, name: Any, payload: Any) -> httpx.Response:
    return tenant.client.post(f"/api/v1/workflows/{run_id}/events", json={"event_name": name, "payload": payload})


def _submit(tenant: Tenant, example: str, inputs: dict[str, Any]) -> str:
    response = tenant.submit(load(example), inputs)
    assert response.status_code == 201, response.text
    run_id: str = response.json()["data"]["workflow_run_id"]
    return run_id


def test_event_posted_to_a_waiting_run_wakes_it_with_the_payload(tenant: Tenant, workers: WorkerPool) -> None:
    workers.start(tenant.queue)
    run_id = _submit(tenant, "wait_for_approval", {"order": "o1"})
    # A waiting run names the task it waits in (issue 17, item 11), not the one before it nor none.
    assert tenant.wait_for_state(run_id, ("waiting",), timeout=10)["current_step"] == "approve"

    response = _post_event(tenant, run_id, "approval_o1", {"by": "ada"})
    run = tenant.wait_for_state(run_id, timeout=10)

    assert response.status_code == 201
    assert response.json()["data"]["woken"] == 1
    assert run["state"] == "completed"
    assert run["context"]["approval"] == {"event_name": "approval_o1", "payload": {"by": "ada"}}
    assert run["context"]["shipped"]["stdout"] == "shipped by ada"


def test_event_emitted_before_anyone_waits_is_delivered_to_a_later_waiter(tenant: Tenant, workers: WorkerPool) -> None:
    producer = _submit(tenant, "emit_approval", {"order": "o2", "by": "grace"})
    workers.start(tenant.queue)
    assert tenant.wait_for_state(producer)["state"] == "completed"

    consumer = _submit(tenant, "wait_for_approval", {"order": "o2"})
    run = tenant.wait_for_state(consumer, timeout=10)

    assert run["state"] == "completed"
    assert run["context"]["shipped"]["stdout"] == "shipped by grace"


def test_one_run_emitting_wakes_another_run_of_the_same_tenant(tenant: Tenant, workers: WorkerPool) -> None:
    workers.start(tenant.queue)
    consumer = _submit(tenant, "wait_for_approval", {"order": "o3"})
    tenant.wait_for_state(consumer, ("waiting",), timeout=10)

    _submit(tenant, "emit_approval", {"order": "o3", "by": "linus"})

    assert tenant.wait_for_state(consumer, timeout=10)["context"]["shipped"]["stdout"] == "shipped by linus"


def test_wait_timeout_fails_the_task_and_is_recorded(tenant: Tenant, workers: WorkerPool) -> None:
    workers.start(tenant.queue)
    run_id = _submit(tenant, "wait_for_approval_briefly", {"order": "late"})

    run = tenant.wait_for_state(run_id, timeout=15)

    assert run["state"] == "failed"
    assert run["error"]["task_id"] == "approve"
    assert "approval_late" in run["error"]["message"]
    # A late event changes nothing: the timeout is the checkpointed outcome.
    _post_event(tenant, run_id, "approval_late", {"by": "nobody"})
    assert tenant.run(run_id)["state"] == "failed"


def test_events_never_cross_tenants(make_tenant: Any, workers: WorkerPool) -> None:
    waiter, other = make_tenant(), make_tenant()
    workers.start(waiter.queue)
    workers.start(other.queue)
    run_id = _submit(waiter, "wait_for_approval_briefly", {"order": "shared"})
    waiter.wait_for_state(run_id, ("waiting",), timeout=10)

    producer = _submit(other, "emit_approval", {"order": "shared", "by": "intruder"})
    assert other.wait_for_state(producer)["state"] == "completed"

    assert waiter.wait_for_state(run_id, timeout=15)["state"] == "failed"


def test_events_with_bad_payloads_or_names_get_400(tenant: Tenant) -> None:
    run_id = _submit(tenant, "wait_for_approval", {"order": "o4"})
    assert _post_event(tenant, run_id, "e", [1, 2]).status_code == 400
    assert _post_event(tenant, run_id, "e", {"text": "a\u0000b"}).status_code == 400
    assert _post_event(tenant, run_id, "e", {"blob": "x" * 70_000}).status_code == 400
    assert _post_event(tenant, run_id, None, {}).status_code == 400
    assert _post_event(tenant, run_id, "", {}).status_code == 400


def test_event_to_another_tenants_run_is_404(make_tenant: Any) -> None:
    owner, stranger = make_tenant(), make_tenant()
    run_id = _submit(owner, "wait_for_approval", {"order": "o5"})
    assert _post_event(stranger, run_id, "approval_o5", {"by": "x"}).status_code == 404
