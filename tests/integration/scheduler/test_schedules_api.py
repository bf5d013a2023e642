"""The schedules REST API: create, read, change, pause, resume and delete a tenant's schedules."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from hwe import db
from tests.integration.conftest import Tenant, WorkerPool, wait_until
from tests.integration.scheduler.conftest import SchedulerPool, scheduled_runs
from tests.workflow_examples import load


def _create(tenant: Tenant, **body: Any) -> httpx.Response:
    return tenant.client.post("/api/v1/schedules", json={"workflow_definition": load("scheduled_tick"), **body})


def test_schedule_created_over_the_api_is_fired_by_the_scheduler(
    tenant: Tenant, schedulers: SchedulerPool, workers: WorkerPool, conn: db.Connection
) -> None:
    response = _create(tenant, name="every_second", cron="* * * * * *", catchup="skip")
    assert response.status_code == 201, response.text
    schedule_id = uuid.UUID(response.json()["data"]["schedule_id"])
    workers.start(tenant.queue)
    schedulers.start()

    runs = wait_until(lambda: scheduled_runs(conn, schedule_id), 15, "a scheduled run")
    assert tenant.wait_for_state(str(runs[0]["workflow_run_id"]))["state"] == "completed"


def test_schedule_from_the_definitions_own_fields(tenant: Tenant) -> None:
    response = tenant.client.post(
        "/api/v1/schedules", json={"workflow_definition": load("nightly_report_schedule"), "timezone": "UTC"}
    )
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert (data["name"], data["cron"], data["catchup"], data["is_paused"]) == (
        "nightly_report",
        "30 2 * * *",
        "all",
        True,
    )


def test_schedules_are_listed_read_changed_paused_resumed_and_deleted(tenant: Tenant) -> None:
    created = _create(tenant, name="nightly", cron="0 3 * * *", is_paused=False).json()["data"]
    path = f"/api/v1/schedules/{created['schedule_id']}"

    assert [s["name"] for s in tenant.client.get("/api/v1/schedules").json()["data"]["items"]] == ["nightly"]
    assert tenant.client.get(path).json()["data"]["cron"] == "0 3 * * *"
    changed = tenant.client.patch(path, json={"cron": "0 4 * * *"}).json()["data"]
    assert changed["cron"] == "0 4 * * *"
    assert changed["next_fire_at"] != created["next_fire_at"]
    assert tenant.client.post(f"{path}/pause").json()["data"]["is_paused"] is True
    assert tenant.client.post(f"{path}/resume").json()["data"]["is_paused"] is False
    assert tenant.client.delete(path).status_code == 200
    assert tenant.client.get(path).status_code == 404


def test_bad_schedules_get_400_and_a_second_of_one_name_409(tenant: Tenant) -> None:
    assert _create(tenant, name="bad", cron="not a cron").status_code == 400
    assert _create(tenant, name="bad_zone", cron="0 3 * * *", timezone="Mars/Olympus").status_code == 400
    assert tenant.client.post("/api/v1/schedules", json={"name": "x"}).status_code == 400
    assert _create(tenant, name="twice", cron="0 3 * * *").status_code == 201
    second = _create(tenant, name="twice", cron="0 5 * * *")
    assert second.status_code == 409
    assert second.json()["code"] == "schedule_exists"
    unknown_field = tenant.client.patch(f"/api/v1/schedules/{uuid.uuid4()}", json={"color": "red"})
    assert unknown_field.status_code == 400
    assert "color" in unknown_field.json()["message"]


def test_another_tenants_schedule_is_404_and_a_viewer_cannot_create_one(make_tenant: Any) -> None:
    owner, stranger = make_tenant(), make_tenant()
    created = _create(owner, name="mine", cron="0 3 * * *").json()["data"]
    path = f"/api/v1/schedules/{created['schedule_id']}"
    assert stranger.client.get(path).status_code == 404
    assert stranger.client.post(f"{path}/pause").status_code == 404
    assert stranger.client.delete(path).status_code == 404
    assert stranger.client.get("/api/v1/schedules").json()["data"]["items"] == []
    viewer = owner.client_as("viewer")
    assert viewer.post("/api/v1/schedules", json={"workflow_definition": load("scheduled_tick")}).status_code == 403
