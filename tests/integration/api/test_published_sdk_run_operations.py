"""The operations served before the rest of highway-sdk 1.0.1 answer through the SDK's own methods too: a run's
views and actions, approvals, artifacts, audit logs and schedule changes, each parsed as the SDK reads it."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import highway_sdk
import pytest
from highway_sdk.exceptions import ApiException

from hwe import tools
from tests.integration.api.conftest import sdk_call
from tests.integration.conftest import Tenant
from tests.workflow_examples import load

Sdk = Callable[[str], highway_sdk.ApiClient]


@pytest.fixture(autouse=True)
def builtin_tools() -> None:
    """load() checks definitions against the tool registry."""
    tools.load_builtin_tools()


def _submitted(tenant: Tenant, example: str, inputs: dict[str, Any]) -> str:
    response = tenant.submit(load(example), inputs)
    assert response.status_code == 201, response.text
    run_id: str = response.json()["data"]["workflow_run_id"]
    return run_id


def test_a_failed_runs_views_and_its_retry_through_the_sdk(
    running_tenant: Tenant, sdk_client: Sdk, tmp_path: Path
) -> None:
    client = sdk_client("operator")
    api, steps, replay = highway_sdk.WorkflowsApi(client), highway_sdk.StepsApi(client), highway_sdk.ReplayApi(client)
    body = {"workflow_definition": load("failing_second_step"), "inputs": {"dir": str(tmp_path)}}
    run_id = sdk_call(api, "post_api_v1_workflows", body=body)["data"]["workflow_run_id"]
    running_tenant.wait_for_state(run_id)

    run = sdk_call(api, "get_api_v1_workflowsworkflow_run_id", run_id)["data"]
    listed = sdk_call(api, "get_api_v1_workflows", query={"state": "failed"})["data"]
    step_list = sdk_call(steps, "get_api_v1_workflowsworkflow_run_id_steps", run_id)["data"]
    broken = sdk_call(steps, "get_api_v1_workflowsworkflow_run_id_stepsstep_name", run_id, "break")["data"]
    timeline = sdk_call(replay, "get_api_v1_workflowsworkflow_run_id_replay", run_id)["data"]

    checkpoints = sdk_call(api, "get_api_v1_workflowsworkflow_run_id_checkpoints", run_id)["data"]
    events = sdk_call(api, "get_api_v1_workflowsworkflow_run_id_events", run_id)["data"]
    graph = sdk_call(api, "get_api_v1_workflowsworkflow_run_id_graph", run_id)["data"]
    dot = api.get_api_v1_workflowsworkflow_run_id_graph_dot_with_http_info(run_id)
    retried = sdk_call(api, "post_api_v1_workflowsworkflow_run_id_retry", run_id, headers={"X-Idempotency-Key": "r1"})

    assert run["state"] == "failed"
    assert run_id in {item["workflow_run_id"] for item in listed["items"]}
    assert [step["state"] for step in step_list["items"]] == ["completed", "failed", "skipped"]
    assert "disk full" in broken["error"]["message"]
    assert timeline["workflow_run_id"] == run_id
    assert "prepare" in {item["step_name"] for item in checkpoints["items"]}
    assert {"submitted", "failed"} <= {record["event_type"] for record in events["audit"]}
    assert graph["workflow_name"] == "failing_second_step"
    assert dot.status_code == 200 and dot.raw_data.decode().startswith('digraph "failing_second_step" {')
    new_run = retried["data"]["new_workflow_run_id"]
    assert new_run != run_id and retried["data"]["retry_of"] == run_id
    assert running_tenant.run(new_run)["workflow_name"] == "failing_second_step"


def test_cancelling_and_approving_waiting_runs_through_the_sdk(running_tenant: Tenant, sdk_client: Sdk) -> None:
    approved_run = _submitted(running_tenant, "approval_gate", {"order": "o-1"})
    rejected_run = _submitted(running_tenant, "approval_gate", {"order": "o-2"})
    cancelled_run = _submitted(running_tenant, "approval_gate", {"order": "o-3"})
    for run_id in (approved_run, rejected_run, cancelled_run):
        running_tenant.wait_for_state(run_id, ("waiting",), timeout=15)
    client = sdk_client("operator")
    approvals, workflows = highway_sdk.ApprovalsApi(client), highway_sdk.WorkflowsApi(client)

    approve = "post_api_v1_approvalsapproval_key_approve"
    reject = "post_api_v1_approvalsapproval_key_reject"
    sdk_call(approvals, approve, f"{approved_run}:approve", body={"approver": "ada", "comment": "ok"})
    sdk_call(approvals, reject, f"{rejected_run}:approve", body={"approver": "bob", "comment": "no"})
    cancelled = sdk_call(workflows, "post_api_v1_workflowsworkflow_run_id_cancel", cancelled_run)

    assert running_tenant.wait_for_state(approved_run)["state"] == "completed"
    assert running_tenant.wait_for_state(rejected_run)["state"] in ("completed", "failed")
    assert cancelled["status"] == "success"
    assert running_tenant.wait_for_state(cancelled_run)["state"] == "cancelled"
    with pytest.raises(ApiException) as decided:
        sdk_call(approvals, approve, f"{approved_run}:approve", body={"approver": "ada"})
    assert decided.value.status == 409


def test_artifacts_upload_read_and_delete_through_the_sdk(tenant: Tenant, sdk_client: Sdk) -> None:
    api = highway_sdk.ArtifactsApi(sdk_client("operator"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("sdk_artifact.py", "def answer(ctx):\n    return 42\n")
    method, url, headers, _, _ = api._post_api_v1_artifacts_serialize(
        _request_auth=None, _content_type=None, _headers=None, _host_index=0
    )
    headers["Content-Type"] = "multipart/form-data"
    files = [("artifact", ("code.zip", buffer.getvalue(), "application/zip"))]
    uploaded = api.api_client.call_api(method, url, headers, None, files)
    uploaded.read()
    assert uploaded.status == 201, uploaded.data
    artifact_id = json.loads(uploaded.data)["data"]["artifact_id"]

    read = sdk_call(api, "get_api_v1_artifactsartifact_id", artifact_id)["data"]
    exists = sdk_call(api, "get_api_v1_artifactsartifact_id_exists", artifact_id)["data"]
    deleted = sdk_call(api, "delete_api_v1_artifactsartifact_id", artifact_id)["data"]
    gone = sdk_call(api, "get_api_v1_artifactsartifact_id_exists", artifact_id)["data"]

    assert read["artifact_id"] == artifact_id
    assert (exists, deleted, gone) == (
        {"exists": True},
        {"artifact_id": artifact_id, "deleted": True},
        {"exists": False},
    )


def test_schedule_changes_and_the_audit_trail_through_the_sdk(tenant: Tenant, sdk_client: Sdk) -> None:
    client = sdk_client("admin")
    schedules, audit = highway_sdk.SchedulesApi(client), highway_sdk.AuditLogsApi(client)
    body = {"workflow_definition": load("scheduled_tick"), "name": "sdk-nightly", "cron": "0 3 * * *"}
    schedule_id = sdk_call(schedules, "post_api_v1_schedules", body=body)["data"]["schedule_id"]

    listed = sdk_call(schedules, "get_api_v1_schedules")["data"]
    patched = sdk_call(schedules, "patch_api_v1_schedulesschedule_id", schedule_id, body={"cron": "0 4 * * *"})["data"]
    deleted = sdk_call(schedules, "delete_api_v1_schedulesschedule_id", schedule_id)
    run_id = tenant.submit(load("scheduled_tick")).json()["data"]["workflow_run_id"]
    records = sdk_call(audit, "get_api_v1_admin_audit_logs", query={"resource_id": run_id})["data"]["audit_logs"]
    one = sdk_call(audit, "get_api_v1_admin_audit_logslog_id", str(records[0]["log_id"]))["data"]

    assert schedule_id in {item["schedule_id"] for item in listed["items"]}
    assert patched["cron"] == "0 4 * * *"
    assert deleted["status"] == "success"
    with pytest.raises(ApiException) as missing:
        sdk_call(schedules, "get_api_v1_schedulesschedule_id", schedule_id)
    assert missing.value.status == 404
    assert records and {record["resource_id"] for record in records} == {run_id}
    assert one["log_id"] == records[0]["log_id"]
