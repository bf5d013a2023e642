"""`hwe approvals`: the approvals runs wait for, listed, approved and rejected."""

from __future__ import annotations

import json

from tests.integration.cli.conftest import HweRunner
from tests.integration.conftest import Tenant
from tests.workflow_examples import load


def _waiting_run(tenant: Tenant) -> str:
    run_id: str = tenant.submit(load("approval_gate"), {"order": "o-1"}).json()["data"]["workflow_run_id"]
    tenant.wait_for_state(run_id, ("waiting",), timeout=15)
    return run_id


def test_list_shows_the_key_of_each_waiting_approval(running_tenant: Tenant, hwe: HweRunner) -> None:
    run_id = _waiting_run(running_tenant)

    done = hwe(running_tenant, "approvals", "list")
    listed = json.loads(hwe(running_tenant, "approvals", "list", "--json").stdout)

    assert done.returncode == 0, done.stderr
    assert any(line.startswith(f"{run_id}:approve ") for line in done.stdout.splitlines())
    assert [item["approval_key"] for item in listed] == [f"{run_id}:approve"]


def test_approve_wakes_the_run_with_the_approver_and_comment(running_tenant: Tenant, hwe: HweRunner) -> None:
    run_id = _waiting_run(running_tenant)

    done = hwe(running_tenant, "approvals", "approve", f"{run_id}:approve", "--approver", "ada", "--comment", "ok")
    run = running_tenant.wait_for_state(run_id)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"approved {run_id}:approve"
    assert run["state"] == "completed"
    assert run["context"]["approval"]["approver"] == "ada"
    assert run["context"]["approval"]["comment"] == "ok"
    assert json.loads(hwe(running_tenant, "approvals", "list", "--json").stdout) == []


def test_reject_is_a_decision_the_workflow_sees(running_tenant: Tenant, hwe: HweRunner) -> None:
    run_id = _waiting_run(running_tenant)

    done = hwe(running_tenant, "approvals", "reject", f"{run_id}:approve", "--comment", "no")
    run = running_tenant.wait_for_state(run_id)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"rejected {run_id}:approve"
    assert run["context"]["approval"]["approved"] is False


def test_deciding_a_key_that_is_not_an_approval_key_exits_1(tenant: Tenant, hwe: HweRunner) -> None:
    done = hwe(tenant, "approvals", "approve", "not-a-key")

    assert done.returncode == 1
    assert "not_found" in done.stderr
    assert done.stdout == ""
