"""Run views of one task's checkpoints, and of a run's locks and sagas (the engine has neither)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.integration.conftest import Tenant
from tests.workflow_examples import load


def _completed(tenant: Tenant, example: str, inputs: dict[str, Any]) -> str:
    response = tenant.submit(load(example), inputs)
    assert response.status_code == 201, response.text
    run_id: str = response.json()["data"]["workflow_run_id"]
    assert tenant.wait_for_state(run_id, timeout=60)["state"] == "completed"
    return run_id


def _data(tenant: Tenant, path: str) -> Any:
    response = tenant.client.get(path)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_a_tasks_checkpoints_are_its_attempts_and_back_offs_in_commit_order(
    running_tenant: Tenant, tmp_path: Path
) -> None:
    run_id = _completed(running_tenant, "flaky_task_with_retries", {"dir": str(tmp_path)})

    view = _data(running_tenant, f"/api/v1/workflows/{run_id}/steps/flaky/checkpoints")

    items = view["items"]
    assert view["step_name"] == "flaky"
    assert [(c["kind"], c["attempt"], c["status"]) for c in items] == [
        ("attempt", 1, "error"),
        ("sleep", 1, "ok"),
        ("attempt", 2, "error"),
        ("sleep", 2, "ok"),
        ("attempt", 3, "ok"),
    ]
    assert [c["step_name"] for c in items][::2] == ["flaky", "flaky#2", "flaky#3"]
    assert all(c["started_at"] <= c["created_at"] for c in items)
    assert items[-1]["value"]["returncode"] == 0
    step = _data(running_tenant, f"/api/v1/workflows/{run_id}/steps/flaky")
    assert step["checkpoints"] == [c["step_name"] for c in items]


def test_a_task_that_has_not_run_has_no_checkpoints_and_an_unknown_one_is_not_found(tenant: Tenant) -> None:
    response = tenant.submit(load("three_shell_steps"), {"name": "v"})
    run_id = response.json()["data"]["workflow_run_id"]

    waiting = _data(tenant, f"/api/v1/workflows/{run_id}/steps/greet/checkpoints")
    unknown = tenant.client.get(f"/api/v1/workflows/{run_id}/steps/nothing/checkpoints")

    assert waiting["items"] == []
    assert unknown.status_code == 404
    assert "nothing" in unknown.json()["message"]


def test_locks_and_sagas_are_empty_with_the_shape_of_their_history(tenant: Tenant) -> None:
    response = tenant.submit(load("three_shell_steps"), {"name": "v"})
    run_id = response.json()["data"]["workflow_run_id"]

    locks = _data(tenant, f"/api/v1/workflows/{run_id}/locks")
    sagas = _data(tenant, f"/api/v1/workflows/{run_id}/sagas")

    assert locks["workflow_run_id"] == run_id
    assert (locks["locks"], locks["active_locks"], locks["total_locks"]) == ([], [], 0)
    assert "no named locks" in locks["description"]
    assert (sagas["sagas"], sagas["compensation_events"]) == ([], [])
    assert (sagas["total_sagas"], sagas["compensated_sagas"]) == (0, 0)


def test_unknown_and_other_tenants_runs_are_not_found(tenant: Tenant, make_tenant: Any) -> None:
    response = tenant.submit(load("three_shell_steps"), {"name": "v"})
    run_id = response.json()["data"]["workflow_run_id"]
    stranger = make_tenant()
    views = ("locks", "sagas", "steps/greet/checkpoints", "steps/greet")

    theirs = [stranger.client.get(f"/api/v1/workflows/{run_id}/{view}").status_code for view in views]
    unknown = [
        tenant.client.get(f"/api/v1/workflows/{other}/{view}").status_code
        for other in ("00000000-0000-4000-8000-000000000000", "not-a-uuid")
        for view in views
    ]

    assert theirs == [404] * len(views)
    assert unknown == [404] * (2 * len(views))
