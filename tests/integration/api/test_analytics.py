"""Read models: queue health, tasks and their attempts, run statistics and metrics, event counts, live monitoring.

Real runs on real workers feed them; every read is checked for tenant isolation and bad input.
"""

from __future__ import annotations

import datetime
import uuid
from pathlib import Path
from typing import Any

import highway_sdk
import httpx
import pytest
from highway_sdk.exceptions import ApiException

from tests.integration.api.conftest import sdk_call
from tests.integration.conftest import Tenant, WorkerPool
from tests.workflow_examples import load


def _submit(tenant: Tenant, example: str, inputs: dict[str, Any]) -> str:
    response = tenant.submit(load(example), inputs)
    assert response.status_code == 201, response.text
    run_id: str = response.json()["data"]["workflow_run_id"]
    return run_id


def _get(client: httpx.Client, path: str, **query: Any) -> Any:
    response = client.get(path, params=query)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def _finished_runs(tenant: Tenant, workers: WorkerPool, tmp_path: Path) -> tuple[str, str]:
    """One completed and one failed run of the tenant, both finished."""
    workers.start(tenant.queue)
    completed = _submit(tenant, "three_shell_steps", {"name": "v"})
    failed = _submit(tenant, "failing_second_step", {"dir": str(tmp_path)})
    for run_id in (completed, failed):
        tenant.wait_for_state(run_id)
    return completed, failed


def _task_of(tenant: Tenant, run_id: str) -> dict[str, Any]:
    items = _get(tenant.client, "/api/v1/tasks")["items"]
    return next(item for item in items if item["workflow_run_id"] == run_id)


def test_finished_runs_show_in_statistics_metrics_tasks_attempts_and_events(
    tenant: Tenant, workers: WorkerPool, tmp_path: Path
) -> None:
    completed, failed = _finished_runs(tenant, workers, tmp_path)
    viewer = tenant.client_as("viewer")

    stats = _get(viewer, "/api/v1/workflows/stats", hours=1)
    assert stats["total_workflows"] == 2
    assert stats["status_breakdown"]["completed"] == 1 and stats["status_breakdown"]["failed"] == 1
    assert stats["success_rate"] == 0.5
    assert stats["p50_duration_seconds"] >= 0 and stats["p95_duration_seconds"] >= stats["p50_duration_seconds"]
    assert {row["workflow_name"] for row in stats["by_name"]} == {"three_shell_steps", "failing_second_step"}
    only = _get(viewer, "/api/v1/workflows/stats", workflow_name="three_shell_steps")
    assert only["total_workflows"] == 1 and only["status_breakdown"]["completed"] == 1

    metrics = _get(viewer, f"/api/v1/workflows/{completed}/metrics")
    assert metrics["status"] == "completed" and metrics["workflow_name"] == "three_shell_steps"
    assert metrics["step_count"] == 3 and metrics["steps_completed"] == 3
    assert metrics["attempts"] == 1 and metrics["retry_count"] == 0
    assert metrics["checkpoint_count"] >= 3 and metrics["event_count"] >= 2
    assert metrics["duration_seconds"] >= metrics["run_seconds"] >= 0
    assert _get(viewer, f"/api/v1/workflows/{failed}/metrics")["failed_step_attempts"] >= 1

    tasks = _get(viewer, "/api/v1/tasks")
    assert {item["state"] for item in tasks["items"]} == {"completed", "failed"} and tasks["has_more"] is False
    assert [i["workflow_run_id"] for i in _get(viewer, "/api/v1/tasks", state="failed")["items"]] == [failed]
    summary = _get(viewer, "/api/v1/tasks/summary")
    assert summary["total"] == 2 and summary["by_queue"][tenant.queue]["completed"] == 1
    assert summary["by_workflow"]["failing_second_step"]["failed"] == 1

    task = _get(viewer, f"/api/v1/tasks/{_task_of(tenant, completed)['task_id']}")
    assert task["workflow_run_id"] == completed and task["state"] == "completed"
    assert [run["attempt"] for run in task["runs"]] == [1]
    assert {"greet", "combine", "shout"} <= {c["step_name"] for c in task["checkpoints"]}
    assert task["checkpoint_count"] == len(task["checkpoints"])

    run_id = task["runs"][0]["run_id"]
    attempt = _get(viewer, f"/api/v1/runs/{run_id}")
    assert attempt["state"] == "completed" and attempt["workflow_run_id"] == completed
    assert attempt["claimed_by"] and attempt["queue_name"] == tenant.queue
    checkpoints = _get(viewer, f"/api/v1/runs/{run_id}/checkpoints")
    assert {"greet", "combine", "shout"} <= {c["step_name"] for c in checkpoints["items"]}
    page = _get(viewer, f"/api/v1/runs/{run_id}/checkpoints", limit=1, offset=1)
    assert page["items"] == checkpoints["items"][1:2] and page["has_more"] is True
    assert _get(viewer, "/api/v1/runs")["items"] == []  # nothing is unfinished


def test_analytics_count_tasks_runs_and_events_of_the_window(
    tenant: Tenant, workers: WorkerPool, tmp_path: Path
) -> None:
    completed, failed = _finished_runs(tenant, workers, tmp_path)

    queues = _get(tenant.client, "/api/v1/analytics/queues")["items"]
    assert [q["queue_name"] for q in queues] == [tenant.queue]
    assert queues[0]["unfinished_runs"] == 0 and queues[0]["attempts"]["running"] == 0
    detail = _get(tenant.client, f"/api/v1/analytics/queues/{tenant.queue}")
    assert detail["tasks"]["total"] == 2 and detail["unfinished_by_workflow"] == []

    distribution = _get(tenant.client, "/api/v1/analytics/tasks/distribution", days=1)
    assert distribution["by_state"]["completed"] == 1 and distribution["by_state"]["failed"] == 1
    listed = _get(tenant.client, "/api/v1/analytics/tasks/list", queue_name=tenant.queue, limit=1)
    assert len(listed["items"]) == 1 and listed["has_more"] is True
    rest = _get(tenant.client, "/api/v1/analytics/tasks/list", limit=1, offset=1)
    assert {listed["items"][0]["workflow_run_id"], rest["items"][0]["workflow_run_id"]} == {completed, failed}
    assert _get(tenant.client, "/api/v1/analytics/tasks/list", status="failed")["items"][0]["workflow_run_id"] == failed

    performance = _get(tenant.client, "/api/v1/analytics/performance", days=1)
    assert performance["overall"]["finished"] == 2 and performance["overall"]["throughput_per_hour"] > 0
    assert {w["workflow_name"]: w["success_rate"] for w in performance["workflows"]} == {
        "three_shell_steps": 1.0,
        "failing_second_step": 0.0,
    }

    events = _get(tenant.client, "/api/v1/analytics/events", hours=1)
    counts = {row["event_type"]: row["count"] for row in events["by_type"]}
    assert counts["submitted"] == 2 and counts["completed"] == 1 and counts["failed"] == 1
    assert events["total"] == sum(counts.values()) and len(events["events"]) == min(events["total"], 100)
    one_run = _get(tenant.client, "/api/v1/analytics/events", workflow_run_id=completed, event_type="submitted")
    assert [e["workflow_run_id"] for e in one_run["events"]] == [completed]

    live = _get(tenant.client, "/api/v1/monitoring/live", minutes=10)
    assert live["queue_name"] == tenant.queue and live["count"] == 0 and live["tasks"] == []
    assert live["recent_events"]["submitted"] == 2


def test_metrics_count_the_retried_attempts_of_a_step(running_tenant: Tenant, tmp_path: Path) -> None:
    run_id = _submit(running_tenant, "flaky_task_with_retries", {"dir": str(tmp_path)})
    assert running_tenant.wait_for_state(run_id)["state"] == "completed"

    metrics = _get(running_tenant.client, f"/api/v1/workflows/{run_id}/metrics")

    assert metrics["step_retries"] == 2 and metrics["failed_step_attempts"] == 2
    assert metrics["retry_count"] == metrics["attempts"] - 1 + 2


def test_unclaimed_runs_show_as_pending_work_in_queue_health_and_active_runs(tenant: Tenant) -> None:
    run_ids = {_submit(tenant, "three_shell_steps", {"name": "v"}) for _ in range(2)}

    health = _get(tenant.client, "/api/v1/analytics/queues")["items"][0]
    assert health["runs_by_state"]["pending"] == 2 and health["attempts"]["ready"] == 2
    assert health["oldest_pending_seconds"] >= 0 and health["workers"] == 0
    runs = _get(tenant.client, "/api/v1/runs", state="pending")
    assert {item["workflow_run_id"] for item in runs["items"]} == run_ids
    assert _get(tenant.client, "/api/v1/runs", state="running")["items"] == []
    first = _get(tenant.client, "/api/v1/runs", page_size=1)
    second = _get(tenant.client, "/api/v1/runs", page_size=1, page=2)
    assert first["has_more"] is True and second["has_more"] is False
    assert {first["items"][0]["run_id"], second["items"][0]["run_id"]} == {i["run_id"] for i in runs["items"]}
    detail = _get(tenant.client, f"/api/v1/analytics/queues/{tenant.queue}")
    assert detail["unfinished_by_workflow"][0]["workflow_name"] == "three_shell_steps"
    assert detail["unfinished_by_workflow"][0]["pending"] == 2
    metrics = _get(tenant.client, f"/api/v1/workflows/{next(iter(run_ids))}/metrics")
    assert metrics["status"] == "pending" and metrics["started_at"] is None and metrics["wait_seconds"] >= 0


def test_another_tenant_sees_none_of_the_runs_tasks_attempts_or_queue(
    tenant: Tenant, make_tenant: Any, tmp_path: Path
) -> None:
    run_id = _submit(tenant, "three_shell_steps", {"name": "v"})
    task = _task_of(tenant, run_id)
    attempt = _get(tenant.client, "/api/v1/runs")["items"][0]["run_id"]
    other = make_tenant()

    for path in (
        f"/api/v1/tasks/{task['task_id']}",
        f"/api/v1/runs/{attempt}",
        f"/api/v1/runs/{attempt}/checkpoints",
        f"/api/v1/workflows/{run_id}/metrics",
        f"/api/v1/analytics/queues/{tenant.queue}",
        f"/api/v1/tasks?queue={tenant.queue}",
        f"/api/v1/analytics/tasks/list?queue_name={tenant.queue}",
        f"/api/v1/analytics/queues?tenant_id={tenant.tenant_id}",
    ):
        response = other.client.get(path)
        assert response.status_code == 404, (path, response.text)
        assert response.json()["code"] == "not_found"
    assert _get(other.client, "/api/v1/tasks")["items"] == []
    assert _get(other.client, "/api/v1/runs")["items"] == []
    assert _get(other.client, "/api/v1/workflows/stats")["total_workflows"] == 0
    assert _get(other.client, "/api/v1/tasks/summary")["total"] == 0
    assert _get(other.client, "/api/v1/analytics/events")["total"] == 0
    assert _get(other.client, "/api/v1/analytics/queues")["items"][0]["unfinished_runs"] == 0
    assert _get(other.client, "/api/v1/monitoring/live")["unfinished_runs"] == 0


_LONG_AGO = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=40)).isoformat()


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/analytics/tasks/list", {"limit": "0"}),
        ("/api/v1/analytics/tasks/list", {"limit": "1001"}),
        ("/api/v1/analytics/tasks/list", {"limit": "ten"}),
        ("/api/v1/analytics/tasks/list", {"offset": "-1"}),
        ("/api/v1/analytics/tasks/list", {"offset": "10001"}),
        ("/api/v1/analytics/tasks/list", {"status": "lost"}),
        ("/api/v1/analytics/tasks/distribution", {"days": "31"}),
        ("/api/v1/analytics/performance", {"days": "0"}),
        ("/api/v1/analytics/events", {"hours": "721"}),
        ("/api/v1/analytics/events", {"workflow_run_id": "not-a-uuid"}),
        ("/api/v1/analytics/events", {"event_type": "a\x00b"}),
        ("/api/v1/analytics/queues/default", {"hours": "²"}),
        ("/api/v1/workflows/stats", {"since": "yesterday"}),
        ("/api/v1/workflows/stats", {"since": _LONG_AGO}),
        ("/api/v1/workflows/stats", {"since": "2030-01-02T00:00:00", "until": "2030-01-01T00:00:00"}),
        ("/api/v1/workflows/stats", {"since": "2030-01-01T00:00:00", "hours": "2"}),
        ("/api/v1/workflows/stats", {"hours": "3", "until": "0001-01-01T00:01:00Z"}),
        ("/api/v1/workflows/stats", {"bogus": "1"}),
        ("/api/v1/tasks", {"page": "0"}),
        ("/api/v1/tasks", {"page_size": "201"}),
        ("/api/v1/tasks", {"page": "10001", "page_size": "200"}),
        ("/api/v1/tasks", {"state": "waiting"}),
        ("/api/v1/runs", {"state": "completed"}),
        ("/api/v1/runs", {"page_size": "101"}),
        ("/api/v1/monitoring/live", {"minutes": "61"}),
        ("/api/v1/runs/00000000-0000-4000-8000-000000000000/checkpoints", {"limit": "501"}),
    ],
)
def test_malformed_or_out_of_range_parameters_answer_400_with_a_reason(
    tenant: Tenant, path: str, query: dict[str, str]
) -> None:
    response = tenant.client.get(path, params=query)

    assert response.status_code == 400, response.text
    assert response.json()["message"]


def test_unknown_or_malformed_ids_answer_404_and_a_request_without_a_key_401(tenant: Tenant) -> None:
    for resource in ("tasks/{}", "runs/{}", "runs/{}/checkpoints", "workflows/{}/metrics"):
        for value in (str(uuid.uuid4()), "not-a-uuid"):
            path = "/api/v1/" + resource.format(value)
            response = tenant.client.get(path)
            assert response.status_code == 404, (path, response.text)
    assert httpx.get(f"{tenant.api_url}/api/v1/analytics/queues").status_code == 401


def test_every_read_model_operation_answers_through_the_published_sdk(
    tenant: Tenant, workers: WorkerPool, tmp_path: Path, sdk_client: Any
) -> None:
    completed, _ = _finished_runs(tenant, workers, tmp_path)
    client = sdk_client("viewer")
    analytics_api, statistics = highway_sdk.AnalyticsApi(client), highway_sdk.StatisticsApi(client)
    tasks_api, runs_api = highway_sdk.TasksApi(client), highway_sdk.RunsApi(client)

    def data(api: Any, operation: str, *args: str, **query: Any) -> Any:
        answer = sdk_call(api, operation, *args, query=query or None)
        assert answer["status"] == "success"
        return answer["data"]

    assert data(analytics_api, "get_api_v1_analytics_queues")["items"][0]["queue_name"] == tenant.queue
    assert data(analytics_api, "get_api_v1_analytics_queuesqueue_name", tenant.queue)["tasks"]["total"] == 2
    assert data(analytics_api, "get_api_v1_analytics_tasks_distribution", days=7)["total"] == 2
    assert len(data(analytics_api, "get_api_v1_analytics_tasks_list", limit=5, offset=0)["items"]) == 2
    assert data(analytics_api, "get_api_v1_analytics_performance", days=7)["overall"]["total_workflows"] == 2
    assert data(analytics_api, "get_api_v1_analytics_events", hours=24, limit=10)["total"] >= 4
    assert data(statistics, "get_api_v1_workflows_stats", hours=24)["total_workflows"] == 2
    assert data(statistics, "get_api_v1_workflowsworkflow_run_id_metrics", completed)["step_count"] == 3
    listed = data(tasks_api, "get_api_v1_tasks", page=1, page_size=10)["items"]
    assert len(listed) == 2
    assert data(tasks_api, "get_api_v1_tasks_summary")["by_state"]["completed"] == 1
    task = data(tasks_api, "get_api_v1_taskstask_id", listed[0]["task_id"])
    assert data(runs_api, "get_api_v1_runs", page=1, page_size=20)["items"] == []
    run_id = task["runs"][0]["run_id"]
    assert data(runs_api, "get_api_v1_runsrun_id", run_id)["task_id"] == task["task_id"]
    assert data(runs_api, "get_api_v1_runsrun_id_checkpoints", run_id)["run_id"] == run_id
    live = data(highway_sdk.MonitoringApi(client), "get_api_v1_monitoring_live", minutes=5)
    assert live["queue_name"] == tenant.queue
    with pytest.raises(ApiException) as missing:
        sdk_call(tasks_api, "get_api_v1_taskstask_id", str(uuid.uuid4()))
    assert missing.value.status == 404
