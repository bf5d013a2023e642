"""A schedule's history and the on-demand scan, through the published SDK: per tenant, paged, with their limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import highway_sdk
import httpx
import pytest
from highway_sdk.exceptions import ApiException

from hwe import tools
from tests.integration.api.conftest import sdk_call
from tests.integration.conftest import Tenant, wait_until
from tests.workflow_examples import load


@pytest.fixture(autouse=True)
def builtin_tools() -> None:
    """Nothing here runs a tool, but load() definitions are checked against the registry."""
    tools.load_builtin_tools()


def _every_second(tenant: Tenant, name: str, **fields: Any) -> str:
    body = {"workflow_definition": load("scheduled_tick"), "name": name, "cron": "@every 1s", **fields}
    response = tenant.client.post("/api/v1/schedules", json=body)
    assert response.status_code == 201, response.text
    schedule_id: str = response.json()["data"]["schedule_id"]
    return schedule_id


def _scan_until_fired(api: Any, schedule_id: str, times: int = 1) -> list[dict[str, Any]]:
    fired: list[dict[str, Any]] = []

    def scanned_enough() -> bool:
        answer = sdk_call(api, "post_api_v1_schedules_scan")["data"]
        fired.extend(fire for fire in answer["fired"] if fire["schedule_id"] == schedule_id)
        return len(fired) >= times

    wait_until(scanned_enough, 20, f"{times} fire(s) of schedule {schedule_id}", interval=0.3)
    return fired


def test_a_scan_fires_due_schedules_and_the_history_pages_the_runs_they_fired(tenant: Tenant, sdk_client: Any) -> None:
    api = highway_sdk.SchedulesApi(sdk_client("operator"))
    schedule_id = _every_second(tenant, "scanned", max_active_runs=100)

    fired = _scan_until_fired(api, schedule_id, times=2)
    tenant.client.post(f"/api/v1/schedules/{schedule_id}/pause")
    history = sdk_call(api, "get_api_v1_schedulesschedule_id_history", schedule_id)["data"]
    first_page = sdk_call(api, "get_api_v1_schedulesschedule_id_history", schedule_id, query={"limit": 1})["data"]
    second_page = sdk_call(
        api, "get_api_v1_schedulesschedule_id_history", schedule_id, query={"limit": 1, "offset": 1}
    )["data"]

    assert history["schedule_id"] == schedule_id
    assert history["workflow_name"] == load("scheduled_tick")["name"]
    assert history["total"] == len(history["executions"]) >= 2
    runs = {e["workflow_run_id"]: e for e in history["executions"]}
    for fire in fired:
        assert runs[fire["workflow_run_id"]]["fire_time"] == fire["fire_time"]
        assert runs[fire["workflow_run_id"]]["fire_state"] == "fired"
        assert runs[fire["workflow_run_id"]]["status"] in ("pending", "running", "completed")
    times = [e["fire_time"] for e in history["executions"]]
    assert times == sorted(times, reverse=True)
    assert first_page["executions"] == history["executions"][:1]
    assert second_page["executions"] == history["executions"][1:2]
    assert (first_page["limit"], second_page["offset"], first_page["total"]) == (1, 1, history["total"])


def test_a_scan_fires_only_the_callers_schedules_and_replays_under_its_key(
    tenant: Tenant, make_tenant: Callable[[], Tenant]
) -> None:
    other = make_tenant()
    theirs = _every_second(other, "theirs")
    mine = _every_second(tenant, "mine")

    answers = [tenant.client.post("/api/v1/schedules/scan").json()["data"] for _ in range(3)]
    headers = {"X-Idempotency-Key": "scan-1"}
    first = tenant.client.post("/api/v1/schedules/scan", headers=headers).json()["data"]
    replay = tenant.client.post("/api/v1/schedules/scan", headers=headers).json()["data"]
    tenant.client.post(f"/api/v1/schedules/{mine}/pause")
    other.client.post(f"/api/v1/schedules/{theirs}/pause")

    assert all(fire["schedule_id"] == mine for answer in answers for fire in answer["fired"])
    assert replay == first
    assert {"schedules_claimed", "fired", "skipped_max_active", "failed", "more_due"} <= set(first)
    assert first["more_due"] is False


def test_another_tenants_history_is_404_and_a_viewer_cannot_scan(
    tenant: Tenant, make_tenant: Callable[[], Tenant], sdk_client: Any
) -> None:
    other = make_tenant()
    theirs = _every_second(other, "private", is_paused=True)
    viewer = highway_sdk.SchedulesApi(sdk_client("viewer"))

    with pytest.raises(ApiException) as hidden:
        sdk_call(viewer, "get_api_v1_schedulesschedule_id_history", theirs)
    with pytest.raises(ApiException) as refused:
        sdk_call(viewer, "post_api_v1_schedules_scan")

    assert hidden.value.status == 404
    assert refused.value.status == 403
    assert other.client.get(f"/api/v1/schedules/{theirs}/history").json()["data"]["total"] == 0


@pytest.mark.parametrize(
    ("query", "status"),
    [("limit=0", 400), ("limit=101", 400), ("offset=-1", 400), ("offset=x", 400), ("page=2", 400)],
)
def test_bad_history_parameters_are_400(tenant: Tenant, query: str, status: int) -> None:
    schedule_id = _every_second(tenant, f"bad-{query}", is_paused=True)
    response = tenant.client.get(f"/api/v1/schedules/{schedule_id}/history?{query}")
    assert response.status_code == status, response.text


def test_a_history_of_no_schedule_is_404(tenant: Tenant) -> None:
    assert tenant.client.get("/api/v1/schedules/not-a-uuid/history").status_code == 404
    missing = "6f1c6f3a-0000-4000-8000-000000000000"
    assert tenant.client.get(f"/api/v1/schedules/{missing}/history").status_code == 404
    assert httpx.post(f"{tenant.api_url}/api/v1/schedules/scan").status_code == 401


def test_creating_and_pausing_a_schedule_replay_under_their_keys(tenant: Tenant) -> None:
    body = {"workflow_definition": load("scheduled_tick"), "name": "keyed", "cron": "@every 1s", "is_paused": True}
    created = tenant.client.post("/api/v1/schedules", json=body, headers={"X-Idempotency-Key": "create-1"})
    again = tenant.client.post("/api/v1/schedules", json=body, headers={"X-Idempotency-Key": "create-1"})
    unkeyed = tenant.client.post("/api/v1/schedules", json=body)
    path = f"/api/v1/schedules/{created.json()['data']['schedule_id']}"
    paused = tenant.client.post(f"{path}/pause", headers={"X-Idempotency-Key": "pause-1"})
    tenant.client.post(f"{path}/resume")
    replayed = tenant.client.post(f"{path}/pause", headers={"X-Idempotency-Key": "pause-1"})

    assert created.status_code == again.status_code == 201, again.text
    assert again.json()["data"] == created.json()["data"]
    assert unkeyed.status_code == 409
    assert replayed.json()["data"] == paused.json()["data"]
    # The replay answered the first answer and paused nothing: the schedule is still resumed.
    assert tenant.client.get(path).json()["data"]["is_paused"] is False
    tenant.client.post(f"{path}/pause")
