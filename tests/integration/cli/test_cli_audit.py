"""`hwe audit ID` as a real subprocess: a run's audit trail, oldest first, through the admin audit-log API."""

from __future__ import annotations

import json
import uuid

from hwe import db, runs
from tests.integration.cli.conftest import HweRunner
from tests.integration.conftest import Tenant
from tests.workflow_examples import load

UNKNOWN_RUN = "6f1c6f3a-0000-4000-8000-000000000000"


def _submit(tenant: Tenant) -> str:
    response = tenant.submit(load("three_shell_steps"), {"name": "audit"})
    assert response.status_code == 201, response.text
    run_id: str = response.json()["data"]["workflow_run_id"]
    return run_id


def test_audit_prints_a_completed_runs_trail_oldest_first(running_tenant: Tenant, hwe: HweRunner) -> None:
    run_id = _submit(running_tenant)
    running_tenant.wait_for_state(run_id, ("completed",))

    done = hwe(running_tenant, "audit", run_id)

    assert done.returncode == 0, done.stderr
    assert f"audit trail of run {run_id}" in done.stdout
    assert done.stdout.index("submitted") < done.stdout.index("completed")
    assert "workflow_name=three_shell_steps" in done.stdout
    assert "#1" in done.stdout
    assert "POST /api/v1/workflows: ok (key " in done.stdout  # the submission, and the key that made it
    assert "3 record(s)" in done.stdout


def test_audit_json_prints_one_record_per_line_oldest_first(tenant: Tenant, hwe: HweRunner) -> None:
    run_id = _submit(tenant)
    assert tenant.client.post(f"/api/v1/workflows/{run_id}/cancel").status_code == 200

    done = hwe(tenant, "audit", run_id, "--json")

    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [record["event_type"] for record in records] == ["submitted", "api_request", "cancelled", "api_request"]
    assert [record["detail"].get("route") for record in records if record["event_type"] == "api_request"] == [
        "/api/v1/workflows",
        "/api/v1/workflows/{workflow_run_id}/cancel",
    ]
    assert {record["workflow_run_id"] for record in records} == {run_id}
    assert [record["log_id"] for record in records] == sorted(record["log_id"] for record in records)


def test_audit_follows_the_pages_until_every_record_is_read(tenant: Tenant, hwe: HweRunner, database_url: str) -> None:
    run_id = _submit(tenant)
    with db.connect(database_url) as conn:
        for index in range(250):
            runs.post_event(conn, tenant.tenant_id, uuid.UUID(run_id), f"tick_{index}", {})

    done = hwe(tenant, "audit", run_id, "--json")

    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(records) == 252
    assert len({record["log_id"] for record in records}) == 252
    assert [record["event_type"] for record in records[:2]] == ["submitted", "api_request"]
    assert {record["event_type"] for record in records[2:]} == {"event_posted"}
    assert [record["log_id"] for record in records] == sorted(record["log_id"] for record in records)


def test_audit_with_a_viewer_key_exits_1_with_the_apis_forbidden_reason(tenant: Tenant, hwe: HweRunner) -> None:
    run_id = _submit(tenant)
    assert tenant.new_key is not None

    done = hwe(tenant, "audit", run_id, key=tenant.new_key("viewer"))

    assert done.returncode == 1
    assert "hwe audit: forbidden: this needs the admin role" in done.stderr
    assert done.stdout == ""


def test_audit_of_a_run_unknown_to_the_tenant_exits_1(tenant: Tenant, hwe: HweRunner) -> None:
    done = hwe(tenant, "audit", UNKNOWN_RUN)

    assert done.returncode == 1
    assert f"no audit records for run {UNKNOWN_RUN}" in done.stderr


def test_audit_of_an_id_that_is_not_a_uuid_exits_1_with_the_apis_reason(tenant: Tenant, hwe: HweRunner) -> None:
    done = hwe(tenant, "audit", "not-a-run")

    assert done.returncode == 1
    assert "invalid_workflow_run_id: workflow_run_id must be a UUID" in done.stderr
