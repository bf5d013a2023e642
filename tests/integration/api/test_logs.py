"""Task attempts' output through the API: stored with each attempt by real workers, capped, the tenant's own.

A shell step's stdout and stderr (and the tool's own line saying how it exited) are committed with the
attempt's checkpoint; the log views read them back per run, per task and per step, through our HTTP API and
through the published SDK's LogsApi and StepsApi.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import highway_sdk
import pytest

from hwe import db, tenants
from tests.integration.api.conftest import sdk_call
from tests.integration.conftest import Tenant

BIG = 200_000


def shell(task_id: str, command: str, **extra: Any) -> dict[str, Any]:
    return {"task_id": task_id, "operator_type": "task", "function": "tools.shell.run", "args": [command], **extra}


def finish(tenant: Tenant, name: str, *tasks: dict[str, Any]) -> dict[str, Any]:
    for before, after in itertools.pairwise(tasks):
        after.setdefault("dependencies", [before["task_id"]])
    definition = {"name": name, "version": "1.0.0", "tasks": {t["task_id"]: t for t in tasks}}
    response = tenant.submit(definition)
    assert response.status_code == 201, response.text
    return tenant.wait_for_state(response.json()["data"]["workflow_run_id"], timeout=60)


@pytest.fixture(scope="module")
def served(open_served_tenant: Callable[[str], Tenant], database_url: str, secrets_file: Path) -> Tenant:
    """A tenant whose queue one worker serves for the whole module, able to make keys of any role."""
    tenant = open_served_tenant(f"t{uuid.uuid4().hex[:12]}")
    pepper = json.loads(secrets_file.read_text())["api_key_pepper"]

    def new_key(role: str) -> str:
        with db.connect(database_url) as conn:
            return tenants.create_api_key(conn, tenant.tenant_id, role, pepper)

    tenant.new_key = new_key
    return tenant


@pytest.fixture(scope="module")
def failed_run(served: Tenant) -> dict[str, Any]:
    """A run whose second step writes to both streams and exits 3, after a first step that prints nothing."""
    return finish(
        served,
        "logs_failing",
        shell("quiet", "true"),
        shell("boom", "echo to-out; echo why-it-failed >&2; exit 3"),
    )


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


def by_stream(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {entry["stream"]: entry for entry in entries}


def test_a_failed_shell_steps_stderr_is_readable_through_the_sdk(
    served: Tenant, failed_run: dict[str, Any], sdk: Callable[[str], highway_sdk.ApiClient]
) -> None:
    assert failed_run["state"] == "failed", failed_run
    run_id = failed_run["workflow_run_id"]
    api = highway_sdk.LogsApi(sdk("viewer"))

    answer = sdk_call(api, "get_api_v1_logs_workflowsworkflow_run_id_taskstask_id", run_id, "boom")

    streams = by_stream(answer["data"]["entries"])
    assert streams["stderr"]["content"] == "why-it-failed\n"
    assert streams["stdout"]["content"] == "to-out\n"
    assert streams["log"]["content"] == "command exited with status 3\n"
    assert {e["attempt"] for e in streams.values()} == {1}
    assert {e["status"] for e in streams.values()} == {"error"}
    assert streams["stderr"]["truncated"] is False
    assert streams["stderr"]["tool"] == "tools.shell.run"


def test_a_step_that_prints_nothing_stores_no_output(served: Tenant, failed_run: dict[str, Any]) -> None:
    response = served.client.get(f"/api/v1/logs/workflows/{failed_run['workflow_run_id']}/tasks/quiet")

    assert response.status_code == 200, response.text
    assert response.json()["data"]["entries"] == []


def test_the_workflow_log_summarizes_each_task_that_stored_output(
    served: Tenant, failed_run: dict[str, Any], sdk: Callable[[str], highway_sdk.ApiClient]
) -> None:
    api = highway_sdk.LogsApi(sdk("viewer"))
    run_id = failed_run["workflow_run_id"]

    detail = sdk_call(api, "get_api_v1_logs_workflowsworkflow_run_id", run_id)["data"]
    listed = sdk_call(api, "get_api_v1_logs_workflows", query={"workflow_name": "logs_failing"})["data"]

    assert detail["status"] == "failed"
    assert detail["captured_logs_count"] == 3
    assert detail["log_level_counts"] == {"stdout": 1, "stderr": 1, "log": 1}
    assert [(t["task_id"], t["attempts"], t["last_status"]) for t in detail["tasks"]] == [("boom", 1, "error")]
    assert [w["workflow_run_id"] for w in listed["workflows"]] == [run_id]
    assert listed["workflows"][0]["captured_logs_count"] == 3


def test_each_retried_attempt_keeps_its_own_output(served: Tenant) -> None:
    retry = {"max_retries": 1, "delay": "PT0.1S", "backoff_factor": 1.0}
    run = finish(served, "logs_retried", shell("flaky", "echo attempt-output >&2; exit 1", retry_policy=retry))

    entries = served.client.get(
        f"/api/v1/logs/workflows/{run['workflow_run_id']}/tasks/flaky", params={"stream": "stderr"}
    ).json()["data"]["entries"]

    assert run["state"] == "failed", run
    assert [(e["attempt"], e["content"], e["status"]) for e in entries] == [
        (1, "attempt-output\n", "error"),
        (2, "attempt-output\n", "error"),
    ]


def test_a_huge_output_is_capped_with_the_dropped_bytes_marked(
    served: Tenant, sdk: Callable[[str], highway_sdk.ApiClient]
) -> None:
    run = finish(served, "logs_huge", shell("loud", f"head -c {BIG} /dev/zero | tr '\\0' a; echo END"))
    api = highway_sdk.StepsApi(sdk("viewer"))

    answer = sdk_call(api, "get_api_v1_workflowsworkflow_run_id_stepsstep_name_logs", run["workflow_run_id"], "loud")

    assert run["state"] == "completed", run
    [stdout] = answer["data"]["entries"]
    assert stdout["size_bytes"] == BIG + 4
    assert stdout["truncated"] is True
    assert stdout["dropped_bytes"] == BIG + 4 - 65536
    assert f"[... {stdout['dropped_bytes']} bytes dropped ...]" in stdout["content"]
    assert stdout["content"].startswith("a" * 1000)
    assert stdout["content"].endswith("aaaaEND\n")
    assert len(stdout["content"]) < 65536 + 100


def test_the_runs_output_is_listed_page_by_page_through_the_steps_api(
    served: Tenant, failed_run: dict[str, Any], sdk: Callable[[str], highway_sdk.ApiClient]
) -> None:
    api = highway_sdk.StepsApi(sdk("viewer"))
    run_id = failed_run["workflow_run_id"]

    first = sdk_call(api, "get_api_v1_workflowsworkflow_run_id_steps_logs", run_id, query={"limit": 2})["data"]
    rest = sdk_call(
        api,
        "get_api_v1_workflowsworkflow_run_id_steps_logs",
        run_id,
        query={"limit": 2, "cursor": first["next_cursor"]},
    )["data"]
    only = sdk_call(api, "get_api_v1_workflowsworkflow_run_id_steps_logs", run_id, query={"step_name": "quiet"})

    assert len(first["entries"]) == 2 and first["next_cursor"] is not None
    assert len(rest["entries"]) == 1 and rest["next_cursor"] is None
    assert {e["stream"] for e in first["entries"] + rest["entries"]} == {"stdout", "stderr", "log"}
    assert only["data"]["entries"] == []


def test_log_stats_count_the_tenants_entries_and_bytes(
    served: Tenant, failed_run: dict[str, Any], sdk: Callable[[str], highway_sdk.ApiClient]
) -> None:
    api = highway_sdk.LogsApi(sdk("viewer"))

    stats = sdk_call(api, "get_api_v1_logs_stats", query={"workflow_name": "logs_failing"})["data"]

    assert stats["total_workflows"] == 1
    assert stats["total_entries"] == 3
    assert stats["failed_attempt_entries"] == 3
    assert stats["streams"]["stderr"] == {"entries": 1, "size_bytes": len("why-it-failed\n")}
    assert stats["counted_all"] is True


def test_another_tenant_sees_none_of_the_output(failed_run: dict[str, Any], make_tenant: Callable[[], Tenant]) -> None:
    other = make_tenant()
    run_id = failed_run["workflow_run_id"]

    for path in (
        f"/api/v1/logs/workflows/{run_id}",
        f"/api/v1/logs/workflows/{run_id}/tasks/boom",
        f"/api/v1/workflows/{run_id}/steps/logs",
        f"/api/v1/workflows/{run_id}/steps/boom/logs",
        f"/api/v1/logs/workflows/{run_id}/activities",
    ):
        assert other.client.get(path).status_code == 404, path
    assert other.client.get("/api/v1/logs/workflows").json()["data"]["workflows"] == []
    assert other.client.get("/api/v1/logs/stats").json()["data"]["total_entries"] == 0


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/logs/workflows", {"limit": "0"}),
        ("/api/v1/logs/workflows", {"limit": "1001"}),
        ("/api/v1/logs/workflows", {"status": "success"}),
        ("/api/v1/logs/workflows", {"since": "yesterday"}),
        ("/api/v1/logs/workflows", {"cursor": "not-a-cursor"}),
        ("/api/v1/logs/stats", {"until": "soon"}),
        ("/api/v1/logs/activities", {"limit": "x"}),
        ("/api/v1/logs/workflows/{run}/tasks/boom", {"stream": "stdin"}),
        ("/api/v1/logs/workflows/{run}/tasks/boom", {"cursor": "-1"}),
        ("/api/v1/workflows/{run}/steps/logs", {"step_name": "a\x01b"}),
        ("/api/v1/logs/workflows/{run}/activities", {"include_logs": "yes"}),
    ],
)
def test_a_malformed_query_parameter_answers_400_with_a_reason(
    served: Tenant, failed_run: dict[str, Any], path: str, params: dict[str, str]
) -> None:
    response = served.client.get(path.format(run=failed_run["workflow_run_id"]), params=params)

    assert response.status_code == 400, response.text
    assert response.json()["message"]


def test_an_unknown_run_answers_404(served: Tenant) -> None:
    unknown = uuid.uuid4()

    assert served.client.get(f"/api/v1/logs/workflows/{unknown}").status_code == 404
    assert served.client.get(f"/api/v1/workflows/{unknown}/steps/logs").status_code == 404
    assert served.client.get("/api/v1/logs/workflows/not-a-uuid/tasks/boom").status_code == 404
