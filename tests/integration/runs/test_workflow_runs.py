"""Submitting workflows through the API and watching the worker run them."""

from __future__ import annotations

from pathlib import Path

from tests.integration.conftest import Tenant
from tests.workflow_examples import load


def test_three_shell_tasks_complete_with_every_result_in_the_context(running_tenant: Tenant) -> None:
    response = running_tenant.submit(load("three_shell_steps"), inputs={"name": "ada"})
    assert response.status_code == 201, response.text
    run_id = response.json()["data"]["workflow_run_id"]

    run = running_tenant.wait_for_state(run_id)

    assert run["state"] == "completed", run
    assert run["context"]["greeting"]["stdout"] == "hello"
    assert run["context"]["combined"]["stdout"] == "hello ada"
    assert run["context"]["shouted"] == {"stdout": "HELLO ADA", "stderr": "", "returncode": 0}
    assert run["result"] == {"output": run["context"]["shouted"]}
    assert run["progress"] == {"completed": 3, "total": 3}
    assert run["current_step"] == "shout"
    assert run["error"] is None


def test_failing_task_fails_the_run_with_its_error_and_stops_later_tasks(
    running_tenant: Tenant, tmp_path: Path
) -> None:
    response = running_tenant.submit(load("failing_second_step"), inputs={"dir": str(tmp_path)})
    run_id = response.json()["data"]["workflow_run_id"]

    run = running_tenant.wait_for_state(run_id)

    assert run["state"] == "failed"
    assert run["error"]["task_id"] == "break"
    assert "status 3" in run["error"]["message"]
    assert "disk full" in run["error"]["message"]
    assert run["context"] == {"prepared": {"stdout": "ready\n", "stderr": "", "returncode": 0}}
    assert not (tmp_path / "never-ran").exists()


def test_new_run_is_pending_until_a_worker_claims_it(tenant: Tenant) -> None:
    response = tenant.submit(load("three_shell_steps"), inputs={"name": "x"})
    run = tenant.run(response.json()["data"]["workflow_run_id"])

    assert run["state"] == "pending"
    assert run["progress"] == {"completed": 0, "total": 3}
    assert run["started_at"] is None
