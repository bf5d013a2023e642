"""The events of a run are a stream: every post is kept, numbered, and taken by waits in order."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.conftest import Tenant, WorkerPool, wait_until
from tests.workflow_examples import load


def _post(tenant: Tenant, run_id: str, name: str, payload: dict[str, Any]) -> httpx.Response:
    response = tenant.client.post(f"/api/v1/workflows/{run_id}/events", json={"event_name": name, "payload": payload})
    assert response.status_code == 201, response.text
    return response


def _submit_waiting_twice(tenant: Tenant, key: str) -> str:
    response = tenant.submit(load("wait_twice_for_one_event"), {"key": key})
    assert response.status_code == 201, response.text
    run_id: str = response.json()["data"]["workflow_run_id"]
    return run_id


def test_two_posts_of_one_name_before_any_wait_reach_two_waits_in_order(tenant: Tenant, workers: WorkerPool) -> None:
    run_id = _submit_waiting_twice(tenant, "k1")
    first = _post(tenant, run_id, "signal_k1", {"n": 1}).json()["data"]
    second = _post(tenant, run_id, "signal_k1", {"n": 2}).json()["data"]

    workers.start(tenant.queue)
    run = tenant.wait_for_state(run_id, timeout=20)

    assert (first["woken"], second["woken"]) == (0, 0)
    assert second["sequence"] > first["sequence"]
    assert run["state"] == "completed", run["error"]
    assert run["context"]["report"]["stdout"] == "1 2"


def test_a_second_post_of_one_name_to_a_waiting_run_wakes_its_next_wait(tenant: Tenant, workers: WorkerPool) -> None:
    workers.start(tenant.queue)
    run_id = _submit_waiting_twice(tenant, "k2")
    tenant.wait_for_state(run_id, ("waiting",), timeout=15)
    assert _post(tenant, run_id, "signal_k2", {"n": 1}).json()["data"]["woken"] == 1

    # The first wait took the first post; the run waits again, for the second one.
    wait_until(
        lambda: (run := tenant.run(run_id))["state"] == "waiting" and "first" in run["context"],
        15,
        "the run to wait a second time",
    )
    woken = _post(tenant, run_id, "signal_k2", {"n": 2}).json()["data"]["woken"]
    run = tenant.wait_for_state(run_id, timeout=20)
    events = tenant.client.get(f"/api/v1/workflows/{run_id}/events").json()["data"]

    assert woken == 1
    assert run["state"] == "completed", run["error"]
    assert run["context"]["report"]["stdout"] == "1 2"
    assert [event["payload"]["n"] for event in events["emitted"]] == [1, 2]
    assert [event["payload"]["n"] for event in events["received"]] == [1, 2]
