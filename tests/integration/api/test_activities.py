"""Activities through the API: the child runs `activity` tasks start, run by real workers, with their heartbeats.

The workers here renew leases of 1.5 s, so an activity that runs for two seconds records heartbeats (every
third of the lease). Every operation is also called through the published SDK's ActivitiesApi and LogsApi.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import highway_sdk
import httpx
import pytest

from hwe import db, tenants
from tests.integration.api.conftest import sdk_call
from tests.integration.conftest import Tenant, WorkerPool, kill_hard, wait_until

LEASE_SECONDS = "1.5"


def activity_workflow(name: str, command: str) -> dict[str, Any]:
    """An activity running `command`, and a wait for its completion event."""
    return {
        "name": name,
        "version": "1.0.0",
        "tasks": {
            "crunch": {
                "task_id": "crunch",
                "operator_type": "activity",
                "function": "tools.shell.run",
                "args": [command],
                "result_key": "crunch",
            },
            "crunch_done": {
                "task_id": "crunch_done",
                "operator_type": "wait_for_event",
                "event_name": "{{crunch.completion_event}}",
                "timeout_seconds": 120,
                "dependencies": ["crunch"],
            },
        },
    }


def key_maker(tenant_id: str, database_url: str, secrets_file: Path) -> Callable[[str], str]:
    pepper = json.loads(secrets_file.read_text())["api_key_pepper"]

    def new_key(role: str) -> str:
        with db.connect(database_url) as conn:
            return tenants.create_api_key(conn, tenant_id, role, pepper)

    return new_key


def finish(tenant: Tenant, definition: dict[str, Any]) -> dict[str, Any]:
    response = tenant.submit(definition)
    assert response.status_code == 201, response.text
    return tenant.wait_for_state(response.json()["data"]["workflow_run_id"], timeout=60)


@pytest.fixture(scope="module")
def open_tenant(
    api_url: str,
    database_url: str,
    secrets_file: Path,
    service_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[], Tenant]]:
    """Opens tenants whose queue one worker with short leases serves, for the whole module."""
    pool = WorkerPool(service_env, tmp_path_factory.mktemp("activity_workers"))
    clients: list[httpx.Client] = []

    def open_one() -> Tenant:
        name = f"t{uuid.uuid4().hex[:12]}"
        with db.connect(database_url) as conn:
            tenants.create_tenant(conn, name, queue_name=name)
        new_key = key_maker(name, database_url, secrets_file)
        key = new_key("admin")
        client = httpx.Client(base_url=api_url, headers={"Authorization": f"Bearer {key}"}, timeout=10)
        clients.append(client)
        pool.start(name, lease_seconds=float(LEASE_SECONDS))
        return Tenant(name, name, key, client, api_url, new_key, clients)  # its clients are closed at the end

    try:
        yield open_one
    finally:
        pool.stop_all()
        for client in clients:
            client.close()


@pytest.fixture(scope="module")
def served(open_tenant: Callable[[], Tenant]) -> Tenant:
    return open_tenant()


@pytest.fixture(scope="module")
def finished(served: Tenant) -> dict[str, Any]:
    """A completed run whose activity ran for two seconds, printing to both streams."""
    run = finish(served, activity_workflow("activity_logs", "sleep 2; echo crunched; echo noted >&2"))
    assert run["state"] == "completed", run
    return run


@pytest.fixture
def sdk(served: Tenant) -> Iterator[Callable[[str], highway_sdk.ApiClient]]:
    clients: list[highway_sdk.ApiClient] = []

    def client(role: str) -> highway_sdk.ApiClient:
        assert served.new_key is not None
        made = highway_sdk.ApiClient(highway_sdk.Configuration(host=served.api_url, access_token=served.new_key(role)))
        clients.append(made)
        return made

    yield client
    for made in clients:
        made.rest_client.pool_manager.clear()


def activity_id(run: dict[str, Any]) -> str:
    return str(run["context"]["crunch"]["activity_run_id"])


def test_a_runs_activity_is_listed_with_its_function_and_status_through_the_sdk(
    finished: dict[str, Any], sdk: Callable[[str], highway_sdk.ApiClient]
) -> None:
    api = highway_sdk.ActivitiesApi(sdk("viewer"))
    run_id = finished["workflow_run_id"]

    listed = sdk_call(api, "get_api_v1_activities", query={"workflow_run_id": run_id})["data"]
    of_run = sdk_call(api, "get_api_v1_workflowsworkflow_run_id_activities", run_id)["data"]
    unfinished = sdk_call(
        api, "get_api_v1_workflowsworkflow_run_id_activities", run_id, query={"include_completed": "false"}
    )["data"]

    [activity] = listed["activities"]
    assert activity["activity_id"] == activity_id(finished)
    assert activity["workflow_run_id"] == run_id
    assert (activity["activity_name"], activity["function_name"], activity["status"]) == (
        "crunch",
        "tools.shell.run",
        "completed",
    )
    assert activity["duration_ms"] >= 2000
    assert [a["activity_id"] for a in of_run["activities"]] == [activity_id(finished)]
    assert unfinished["activities"] == []


def test_an_activitys_heartbeats_are_recorded_while_it_runs(
    finished: dict[str, Any], sdk: Callable[[str], highway_sdk.ApiClient]
) -> None:
    api = highway_sdk.ActivitiesApi(sdk("viewer"))

    detail = sdk_call(api, "get_api_v1_activitiesactivity_id", activity_id(finished))["data"]
    beats = sdk_call(api, "get_api_v1_activitiesactivity_id_heartbeats", activity_id(finished), query={"limit": 2})

    assert detail["heartbeat_count"] >= 1
    assert detail["heartbeats"] and detail["heartbeats"][0]["timeout_seconds"] == float(LEASE_SECONDS)
    assert detail["args"] == ["sleep 2; echo crunched; echo noted >&2"]
    assert detail["last_heartbeat_at"] == detail["heartbeats"][0]["beat_at"]
    assert 1 <= len(beats["data"]["heartbeats"]) <= 2
    assert beats["data"]["heartbeats"][0]["worker_id"]


def test_an_activitys_output_is_read_through_the_logs_api(
    finished: dict[str, Any], sdk: Callable[[str], highway_sdk.ApiClient]
) -> None:
    api = highway_sdk.LogsApi(sdk("viewer"))
    run_id = finished["workflow_run_id"]

    of_run = sdk_call(
        api, "get_api_v1_logs_workflowsworkflow_run_id_activities", run_id, query={"include_logs": "true"}
    )["data"]
    one = sdk_call(api, "get_api_v1_logs_workflowsworkflow_run_id_activitiesactivity_id", run_id, activity_id(finished))
    recent = sdk_call(api, "get_api_v1_logs_activities", query={"limit": 10})["data"]

    [activity] = of_run["activities"]
    assert of_run["summary"] == {"total_activities": 1, "completed": 1, "failed": 0}
    assert activity["log_level_counts"] == {"stdout": 1, "stderr": 1, "log": 0}
    assert {e["stream"]: e["content"] for e in activity["captured_logs"]} == {
        "stdout": "crunched\n",
        "stderr": "noted\n",
    }
    assert [e["content"] for e in one["data"]["captured_logs"]] == ["crunched\n", "noted\n"]
    assert [a["activity_id"] for a in recent["activities"]] == [activity_id(finished)]
    assert recent["activities"][0]["captured_logs_count"] == 2


def test_status_counts_the_tenants_activities_by_state(
    finished: dict[str, Any], sdk: Callable[[str], highway_sdk.ApiClient]
) -> None:
    api = highway_sdk.ActivitiesApi(sdk("viewer"))

    status = sdk_call(api, "get_api_v1_activities_status")["data"]
    stale = sdk_call(api, "get_api_v1_activities_stale", query={"threshold": 0})["data"]

    assert status["counts"]["completed"] == 1
    assert status["total"] == 1 and status["stale"] == 0
    assert status["counted_all"] is True
    assert stale["activities"] == []  # a finished activity is never stale


def test_a_running_activity_whose_heartbeats_stopped_shows_as_stale(
    tenant: Tenant, workers: WorkerPool, sdk_client: Callable[[str], highway_sdk.ApiClient]
) -> None:
    worker = workers.start(tenant.queue, lease_seconds=float(LEASE_SECONDS))
    response = tenant.submit(activity_workflow("activity_stuck", "sleep 120"))
    assert response.status_code == 201, response.text
    api = highway_sdk.ActivitiesApi(sdk_client("viewer"))

    def running() -> list[dict[str, Any]]:
        return list(sdk_call(api, "get_api_v1_activities", query={"status": "running"})["data"]["activities"])

    [activity] = wait_until(running, 60, "the activity to run")
    wait_until(
        lambda: (
            sdk_call(api, "get_api_v1_activitiesactivity_id", activity["activity_id"])["data"]["heartbeat_count"] > 0
        ),
        60,
        "a heartbeat",
    )
    kill_hard(worker)

    def stale() -> list[dict[str, Any]]:
        return list(sdk_call(api, "get_api_v1_activities_stale")["data"]["activities"])

    [found] = wait_until(stale, 60, "the activity to miss its heartbeat timeout")
    status = sdk_call(api, "get_api_v1_activities_status", query={"stale_threshold": 1})["data"]
    assert found["activity_id"] == activity["activity_id"]
    assert found["heartbeat_timeout_seconds"] == float(LEASE_SECONDS)
    assert status["stale"] == 1 and status["counts"]["running"] == 1


def test_cleanup_deletes_old_heartbeats_of_finished_activities_once_per_idempotency_key(
    open_tenant: Callable[[], Tenant],
) -> None:
    tenant = open_tenant()
    run = finish(tenant, activity_workflow("activity_cleanup", "sleep 2"))
    operator = tenant.client_as("operator")
    path = "/api/v1/activities/cleanup-heartbeats"
    headers = {"X-Idempotency-Key": "cleanup-1"}
    assert tenant.new_key is not None
    client = highway_sdk.ApiClient(
        highway_sdk.Configuration(host=tenant.api_url, access_token=tenant.new_key("operator"))
    )
    api = highway_sdk.ActivitiesApi(client)

    first = sdk_call(api, "post_api_v1_activities_cleanup_heartbeats", body={"retention_hours": 0}, headers=headers)
    client.rest_client.pool_manager.clear()  # the SDK's ApiClient has no close() of its own
    replay = operator.post(path, json={"retention_hours": 0}, headers=headers)
    again = operator.post(path, json={"retention_hours": 0})
    beats = tenant.client.get(f"/api/v1/activities/{activity_id(run)}/heartbeats").json()["data"]["heartbeats"]

    assert first["data"]["deleted"] >= 1 and first["data"]["more"] is False
    assert replay.status_code == 200 and replay.json()["data"] == first["data"]
    assert again.json()["data"]["deleted"] == 0
    assert beats == []


def test_cleanup_keeps_other_tenants_and_recent_heartbeats(
    finished: dict[str, Any], served: Tenant, make_tenant: Callable[[], Tenant]
) -> None:
    other = make_tenant().client_as("operator")

    theirs = other.post("/api/v1/activities/cleanup-heartbeats", json={"retention_hours": 0})
    recent = served.client.post("/api/v1/activities/cleanup-heartbeats", json={"retention_hours": 24})
    beats = served.client.get(f"/api/v1/activities/{activity_id(finished)}/heartbeats").json()["data"]["heartbeats"]

    assert theirs.json()["data"]["deleted"] == 0
    assert recent.json()["data"]["deleted"] == 0
    assert beats


def test_a_viewer_cannot_clean_up_heartbeats(served: Tenant) -> None:
    response = served.client_as("viewer").post("/api/v1/activities/cleanup-heartbeats", json={})

    assert response.status_code == 403


@pytest.mark.parametrize(
    "body", [{"retention_hours": -1}, {"retention_hours": "24"}, {"retention_hours": True}, {"hours": 1}]
)
def test_a_bad_cleanup_body_answers_400(served: Tenant, body: dict[str, Any]) -> None:
    response = served.client.post("/api/v1/activities/cleanup-heartbeats", json=body)

    assert response.status_code == 400, response.text


def test_another_tenant_sees_none_of_the_activities(
    finished: dict[str, Any], make_tenant: Callable[[], Tenant]
) -> None:
    other = make_tenant()
    run_id, one = finished["workflow_run_id"], activity_id(finished)

    for path in (
        f"/api/v1/activities/{one}",
        f"/api/v1/activities/{one}/heartbeats",
        f"/api/v1/workflows/{run_id}/activities",
        f"/api/v1/logs/workflows/{run_id}/activities/{one}",
    ):
        assert other.client.get(path).status_code == 404, path
    assert other.client.get("/api/v1/activities").json()["data"]["activities"] == []
    assert other.client.get("/api/v1/logs/activities").json()["data"]["activities"] == []
    assert other.client.get("/api/v1/activities/status").json()["data"]["total"] == 0


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/activities", {"status": "done"}),
        ("/api/v1/activities", {"limit": "501"}),
        ("/api/v1/activities", {"workflow_run_id": "nope"}),
        ("/api/v1/activities", {"cursor": "%%%"}),
        ("/api/v1/activities/stale", {"threshold": "-1"}),
        ("/api/v1/activities/stale", {"threshold": "nan"}),
        ("/api/v1/activities/status", {"stale_threshold": "soon"}),
        ("/api/v1/activities/{one}", {"heartbeat_limit": "0"}),
        ("/api/v1/activities/{one}", {"include_heartbeats": "1"}),
        ("/api/v1/activities/{one}/heartbeats", {"limit": "abc"}),
    ],
)
def test_a_malformed_query_parameter_answers_400(
    served: Tenant, finished: dict[str, Any], path: str, params: dict[str, str]
) -> None:
    response = served.client.get(path.format(one=activity_id(finished)), params=params)

    assert response.status_code == 400, response.text


def test_a_run_that_is_not_an_activity_answers_404(served: Tenant, finished: dict[str, Any]) -> None:
    assert served.client.get(f"/api/v1/activities/{finished['workflow_run_id']}").status_code == 404
    assert served.client.get("/api/v1/activities/not-a-uuid").status_code == 404
    assert served.client.get(f"/api/v1/workflows/{uuid.uuid4()}/activities").status_code == 404
