"""/api/v1/workers: real worker processes register and heartbeat, and obey pause, resume, drain and capacity."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import highway_sdk
import httpx
import pytest
from highway_sdk.exceptions import ApiException

from tests.integration.api.conftest import sdk_call
from tests.integration.conftest import Service, Tenant, WorkerPool, kill_hard, start_ready_service, wait_until
from tests.workflow_examples import load

SdkClient = Callable[[str], highway_sdk.ApiClient]


def _workers_of(client: httpx.Client, **query: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/workers", params=query)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["data"]["items"]
    return items


def _registered(client: httpx.Client, service: Service) -> dict[str, Any]:
    """The registry row of a started worker process, once its first heartbeat is in."""
    found: dict[str, Any] = wait_until(
        lambda: next((w for w in _workers_of(client) if w["pid"] == service.process.pid), None),
        20,
        f"worker {service.process.pid} to register",
    )
    return found


def _wait_for_worker(client: httpx.Client, worker_id: str, condition: Callable[[dict[str, Any]], bool]) -> Any:
    def check() -> dict[str, Any] | None:
        response = client.get(f"/api/v1/workers/{worker_id}")
        assert response.status_code == 200, response.text
        worker: dict[str, Any] = response.json()["data"]
        return worker if condition(worker) else None

    return wait_until(check, 30, f"worker {worker_id} to change", interval=0.1)


def _submit(tenant: Tenant, directory: Path, sleep: float = 0) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    response = tenant.submit(load("side_effects_with_slow_middle"), inputs={"dir": str(directory), "sleep": sleep})
    assert response.status_code == 201, response.text
    run_id: str = response.json()["data"]["workflow_run_id"]
    return run_id


def _started(directory: Path) -> bool:
    return (directory / "slow.log").exists()


def test_a_started_worker_registers_its_queue_host_pid_and_heartbeats(
    tenant: Tenant, workers: WorkerPool, sdk_client: SdkClient
) -> None:
    service = workers.start(tenant.queue, HWE_WORKER_CONCURRENCY="3")
    worker = _registered(tenant.client, service)

    assert uuid.UUID(worker["worker_id"])
    assert worker["queue_name"] == tenant.queue
    assert worker["machine_id"] == socket.gethostname()
    assert worker["name"] == f"{socket.gethostname()}:{service.process.pid}"
    assert worker["status"] == "online" and worker["requested_status"] == "online"
    assert worker["max_concurrent_tasks"] == 3 and worker["in_flight"] == 0 and worker["free_slots"] == 3
    assert worker["version"]
    later = _wait_for_worker(
        tenant.client, worker["worker_id"], lambda w: w["last_heartbeat_at"] > worker["last_heartbeat_at"]
    )
    assert later["started_at"] == worker["started_at"]

    api = highway_sdk.WorkersApi(sdk_client("viewer"))
    listed = sdk_call(api, "get_api_v1_workers", query={"queue_name": tenant.queue, "status": "online"})
    assert [w["worker_id"] for w in listed["data"]["items"]] == [worker["worker_id"]]
    by_host = sdk_call(api, "get_api_v1_workers", query={"machine_id": socket.gethostname(), "limit": 1})
    assert len(by_host["data"]["items"]) == 1 and by_host["data"]["next_offset"] is None
    assert sdk_call(api, "get_api_v1_workers", query={"status": "offline"})["data"]["items"] == []
    assert sdk_call(api, "get_api_v1_workers", query={"machine_id": "elsewhere"})["data"]["items"] == []
    summary = sdk_call(api, "get_api_v1_workers_summary")["data"]
    assert summary["queue_name"] == tenant.queue
    assert summary["total"] == 1 and summary["by_status"] == {"online": 1, "paused": 0, "draining": 0, "offline": 0}
    assert summary["capacity"] == 3 and summary["free_slots"] == 3 - summary["in_flight"]
    got = sdk_call(api, "get_api_v1_workersworker_id", worker["worker_id"])["data"]
    assert got["pid"] == service.process.pid


def test_another_tenant_sees_and_commands_none_of_the_workers(
    tenant: Tenant, workers: WorkerPool, make_tenant: Callable[[], Tenant]
) -> None:
    worker = _registered(tenant.client, workers.start(tenant.queue))
    other = make_tenant()
    worker_path = f"/api/v1/workers/{worker['worker_id']}"

    assert _workers_of(other.client) == []
    assert _workers_of(other.client, queue_name=tenant.queue) == []
    assert other.client.get("/api/v1/workers/summary").json()["data"]["total"] == 0
    assert other.client.get(worker_path).status_code == 404
    for action in ("pause", "resume", "drain"):
        assert other.client.post(f"{worker_path}/{action}").status_code == 404
    assert other.client.put(f"{worker_path}/capacity", json={"max_concurrent_tasks": 2}).status_code == 404
    assert other.client.delete(worker_path).status_code == 404
    assert other.client.post("/api/v1/workers/cleanup").json()["data"]["deleted"] == 0
    assert tenant.client.get(worker_path).json()["data"]["requested_status"] == "online"


def test_a_paused_worker_claims_nothing_and_finishes_what_it_holds_until_resumed(
    tenant: Tenant, workers: WorkerPool, sdk_client: SdkClient, tmp_path: Path
) -> None:
    worker = _registered(tenant.client, workers.start(tenant.queue))
    held = _submit(tenant, tmp_path / "held", sleep=2)
    wait_until(lambda: _started(tmp_path / "held"), 30, "the held run to start")
    api = highway_sdk.WorkersApi(sdk_client("operator"))

    paused = sdk_call(
        api,
        "post_api_v1_workersworker_id_pause",
        worker["worker_id"],
        body={"reason": "maintenance"},
        headers={"X-Idempotency-Key": "pause-1"},
    )["data"]
    assert paused["requested_status"] == "paused" and paused["pause_reason"] == "maintenance"
    replay = sdk_call(
        api,
        "post_api_v1_workersworker_id_pause",
        worker["worker_id"],
        body={"reason": "maintenance"},
        headers={"X-Idempotency-Key": "pause-1"},
    )["data"]
    assert replay == paused
    _wait_for_worker(tenant.client, worker["worker_id"], lambda w: w["status"] == "paused")
    waiting = _submit(tenant, tmp_path / "waiting")

    assert tenant.wait_for_state(held)["state"] == "completed"  # what it held runs on
    _wait_for_worker(tenant.client, worker["worker_id"], lambda w: w["in_flight"] == 0)
    assert tenant.run(waiting)["state"] == "pending"  # many claim rounds later: never claimed
    summary = tenant.client.get("/api/v1/workers/summary").json()["data"]
    assert summary["by_status"]["paused"] == 1

    resumed = sdk_call(api, "post_api_v1_workersworker_id_resume", worker["worker_id"])["data"]
    assert resumed["requested_status"] == "online" and resumed["pause_reason"] is None
    assert tenant.wait_for_state(waiting)["state"] == "completed"
    _wait_for_worker(tenant.client, worker["worker_id"], lambda w: w["status"] == "online")


def test_a_drained_worker_finishes_its_run_claims_no_more_and_exits(
    tenant: Tenant, workers: WorkerPool, sdk_client: SdkClient, tmp_path: Path
) -> None:
    service = workers.start(tenant.queue)
    worker = _registered(tenant.client, service)
    held = _submit(tenant, tmp_path / "held", sleep=2)
    wait_until(lambda: _started(tmp_path / "held"), 30, "the held run to start")
    api = highway_sdk.WorkersApi(sdk_client("operator"))

    drained = sdk_call(api, "post_api_v1_workersworker_id_drain", worker["worker_id"])["data"]
    assert drained["requested_status"] == "draining"
    _wait_for_worker(tenant.client, worker["worker_id"], lambda w: w["status"] in ("draining", "offline"))
    late = _submit(tenant, tmp_path / "late")
    service.process.wait(timeout=60)

    assert service.process.returncode == 0, service.log()
    assert tenant.run(held)["state"] == "completed"
    assert tenant.run(late)["state"] == "pending"
    gone = tenant.client.get(f"/api/v1/workers/{worker['worker_id']}").json()["data"]
    assert gone["status"] == "offline" and gone["in_flight"] == 0
    resume = tenant.client.post(f"/api/v1/workers/{worker['worker_id']}/resume")
    assert resume.status_code == 409 and resume.json()["code"] == "worker_offline"


def test_a_draining_worker_cannot_be_paused_resumed_or_resized(
    tenant: Tenant, workers: WorkerPool, tmp_path: Path
) -> None:
    worker = _registered(tenant.client, workers.start(tenant.queue, HWE_WORKER_DRAIN_SECONDS="30"))
    _submit(tenant, tmp_path / "held", sleep=30)
    wait_until(lambda: _started(tmp_path / "held"), 30, "the held run to start")
    path = f"/api/v1/workers/{worker['worker_id']}"
    assert tenant.client.post(f"{path}/drain").status_code == 200
    _wait_for_worker(tenant.client, worker["worker_id"], lambda w: w["status"] == "draining")

    for refused in (
        tenant.client.post(f"{path}/pause"),
        tenant.client.post(f"{path}/resume"),
        tenant.client.put(f"{path}/capacity", json={"max_concurrent_tasks": 2}),
    ):
        assert refused.status_code == 409 and refused.json()["code"] == "worker_draining", refused.text
    assert tenant.client.post(f"{path}/drain").status_code == 200  # draining again is no change


def test_a_capacity_change_reaches_the_worker_and_its_claims(
    tenant: Tenant, workers: WorkerPool, sdk_client: SdkClient, tmp_path: Path
) -> None:
    worker = _registered(tenant.client, workers.start(tenant.queue, HWE_WORKER_CONCURRENCY="1"))
    api = highway_sdk.WorkersApi(sdk_client("operator"))

    updated = sdk_call(
        api, "put_api_v1_workersworker_id_capacity", worker["worker_id"], body={"max_concurrent_tasks": 2}
    )["data"]
    assert updated["requested_max_concurrent_tasks"] == 2
    seen = _wait_for_worker(tenant.client, worker["worker_id"], lambda w: w["max_concurrent_tasks"] == 2)
    assert seen["requested_max_concurrent_tasks"] == 2

    # Two slow runs at once on a worker started with one slot: the new capacity is what it claims by.
    first, second = _submit(tenant, tmp_path / "a", sleep=5), _submit(tenant, tmp_path / "b", sleep=5)
    wait_until(lambda: _started(tmp_path / "a") and _started(tmp_path / "b"), 30, "both runs to run at once")
    assert _wait_for_worker(tenant.client, worker["worker_id"], lambda w: w["in_flight"] == 2)["free_slots"] == 0
    assert tenant.wait_for_state(first)["state"] == tenant.wait_for_state(second)["state"] == "completed"


def test_a_killed_worker_turns_offline_and_cleanup_removes_it(
    tenant: Tenant, workers: WorkerPool, sdk_client: SdkClient
) -> None:
    doomed_service = workers.start(tenant.queue)
    doomed = _registered(tenant.client, doomed_service)
    alive = _registered(tenant.client, workers.start(tenant.queue))
    kill_hard(doomed_service)

    offline = _wait_for_worker(tenant.client, doomed["worker_id"], lambda w: w["status"] == "offline")
    assert offline["free_slots"] == 0
    pause = tenant.client.post(f"/api/v1/workers/{doomed['worker_id']}/pause")
    assert pause.status_code == 409 and pause.json()["code"] == "worker_offline"
    assert [w["worker_id"] for w in _workers_of(tenant.client, status="offline")] == [doomed["worker_id"]]
    summary = tenant.client.get("/api/v1/workers/summary").json()["data"]
    assert summary["by_status"]["offline"] == 1 and summary["by_status"]["online"] == 1

    api = highway_sdk.WorkersApi(sdk_client("admin"))
    kept = sdk_call(api, "post_api_v1_workers_cleanup", body={"threshold_seconds": 3600})["data"]
    assert kept == {"deleted": 0, "worker_ids": []}  # silent for seconds, not an hour
    cleaned = sdk_call(api, "post_api_v1_workers_cleanup")["data"]
    assert cleaned == {"deleted": 1, "worker_ids": [doomed["worker_id"]]}
    assert tenant.client.get(f"/api/v1/workers/{doomed['worker_id']}").status_code == 404
    assert [w["worker_id"] for w in _workers_of(tenant.client)] == [alive["worker_id"]]


def test_a_deleted_live_worker_registers_again_at_its_next_heartbeat(
    tenant: Tenant, workers: WorkerPool, sdk_client: SdkClient
) -> None:
    worker = _registered(tenant.client, workers.start(tenant.queue))
    api = highway_sdk.WorkersApi(sdk_client("admin"))

    deleted = sdk_call(api, "delete_api_v1_workersworker_id", worker["worker_id"])["data"]
    assert deleted == {"worker_id": worker["worker_id"], "deleted": True}
    back = _wait_for_worker_to_return(tenant.client, worker["worker_id"])
    assert back["status"] == "online" and back["pid"] == worker["pid"]
    with pytest.raises(ApiException) as missing:
        sdk_call(api, "delete_api_v1_workersworker_id", str(uuid.uuid4()))
    assert missing.value.status == 404


def _wait_for_worker_to_return(client: httpx.Client, worker_id: str) -> Any:
    def check() -> Any:
        response = client.get(f"/api/v1/workers/{worker_id}")
        return response.status_code == 200 and response.json()["data"]

    return wait_until(check, 20, f"worker {worker_id} to register again", interval=0.1)


def test_bad_worker_requests_are_refused_with_a_reason(tenant: Tenant, workers: WorkerPool) -> None:
    worker = _registered(tenant.client, workers.start(tenant.queue))
    path = f"/api/v1/workers/{worker['worker_id']}"
    client = tenant.client

    assert client.get(f"/api/v1/workers/{uuid.uuid4()}").status_code == 404
    assert client.post(f"/api/v1/workers/{uuid.uuid4()}/pause").status_code == 404
    assert client.put(f"/api/v1/workers/{uuid.uuid4()}/capacity", json={"max_concurrent_tasks": 2}).status_code == 404
    # A worker id that is not a UUID names nothing, as everywhere in the API.
    assert client.get("/api/v1/workers/not-a-uuid").status_code == 404
    assert client.post("/api/v1/workers/not-a-uuid/drain").status_code == 404
    assert client.delete("/api/v1/workers/not-a-uuid").status_code == 404
    refused = [
        client.get("/api/v1/workers", params={"status": "asleep"}),
        client.get("/api/v1/workers", params={"limit": "0"}),
        client.get("/api/v1/workers", params={"limit": "ten"}),
        client.get("/api/v1/workers", params={"offset": "-1"}),
        client.get("/api/v1/workers", params={"colour": "blue"}),
        client.get("/api/v1/workers", params={"machine_id": "x" * 300}),
        client.put(f"{path}/capacity", json={"max_concurrent_tasks": "4"}),
        client.put(f"{path}/capacity", json={"max_concurrent_tasks": 2.5}),
        client.put(f"{path}/capacity", json={"max_concurrent_tasks": 0}),
        client.put(f"{path}/capacity", json={"max_concurrent_tasks": 1001}),
        client.put(f"{path}/capacity", json={"max_concurrent_tasks": True}),
        client.put(f"{path}/capacity", json={}),
        client.put(f"{path}/capacity", json={"batch_size": 5}),
        client.put(f"{path}/capacity", json={"max_concurrent_tasks": 2, "colour": "blue"}),
        client.post(f"{path}/pause", json={"reason": "x" * 501}),
        client.post(f"{path}/pause", json={"reason": 7}),
        client.post(f"{path}/resume", json={"batch_size": 5}),
        client.post("/api/v1/workers/cleanup", json={"threshold_seconds": 0}),
        client.post("/api/v1/workers/cleanup", json={"threshold_seconds": "an hour"}),
    ]
    for response in refused:
        assert response.status_code == 400, (response.request.url, response.text)
        assert response.json()["message"]
    assert client.get(path).json()["data"]["requested_status"] == "online"


def test_a_viewer_reads_workers_an_operator_commands_and_only_an_admin_removes_them(
    tenant: Tenant, workers: WorkerPool
) -> None:
    worker = _registered(tenant.client, workers.start(tenant.queue))
    path = f"/api/v1/workers/{worker['worker_id']}"
    viewer, operator = tenant.client_as("viewer"), tenant.client_as("operator")

    assert viewer.get(path).status_code == 200
    assert viewer.get("/api/v1/workers/summary").status_code == 200
    for forbidden in (
        viewer.post(f"{path}/pause"),
        viewer.post(f"{path}/resume"),
        viewer.post(f"{path}/drain"),
        viewer.put(f"{path}/capacity", json={"max_concurrent_tasks": 2}),
        operator.delete(path),
        operator.post("/api/v1/workers/cleanup"),
    ):
        assert forbidden.status_code == 403, forbidden.text
    assert operator.post(f"{path}/pause").status_code == 200
    assert operator.post(f"{path}/resume").status_code == 200
    assert viewer.get(path).json()["data"]["requested_status"] == "online"


def test_the_timeout_service_removes_workers_offline_for_longer_than_the_worker_ttl(
    tenant: Tenant, workers: WorkerPool, service_env: dict[str, str], tmp_path: Path
) -> None:
    doomed_service = workers.start(tenant.queue)
    doomed = _registered(tenant.client, doomed_service)
    alive = _registered(tenant.client, workers.start(tenant.queue))
    kill_hard(doomed_service)
    _wait_for_worker(tenant.client, doomed["worker_id"], lambda w: w["status"] == "offline")

    env = {**service_env, "HWE_WORKER_TTL_SECONDS": "1", "HWE_CLEANUP_EVERY_SECONDS": "0.5"}
    timeout_service = start_ready_service("services.timeout", env, tmp_path, "timeout", "HWE_TIMEOUT_HEALTH_FILE")
    try:
        wait_until(
            lambda: tenant.client.get(f"/api/v1/workers/{doomed['worker_id']}").status_code == 404,
            30,
            "the timeout service to remove the offline worker",
        )
    finally:
        timeout_service.stop()
    assert [w["worker_id"] for w in _workers_of(tenant.client)] == [alive["worker_id"]]
