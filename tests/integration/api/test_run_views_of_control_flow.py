"""Run views of DSL control flow: concurrent tasks, loop iterations and untaken branches."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.integration.conftest import Tenant
from tests.workflow_examples import load


def _finished(tenant: Tenant, example: str, inputs: dict[str, Any]) -> str:
    response = tenant.submit(load(example), inputs)
    assert response.status_code == 201, response.text
    run_id: str = response.json()["data"]["workflow_run_id"]
    assert tenant.wait_for_state(run_id, timeout=30)["state"] == "completed"
    return run_id


def _view(tenant: Tenant, run_id: str, view: str) -> Any:
    response = tenant.client.get(f"/api/v1/workflows/{run_id}/{view}")
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_concurrent_tasks_are_timed_from_their_own_start_not_from_each_others_end(
    running_tenant: Tenant, tmp_path: Path
) -> None:
    run_id = _finished(running_tenant, "two_slow_independent_tasks", {"dir": str(tmp_path)})

    steps = {s["task_id"]: s for s in _view(running_tenant, run_id, "steps")["items"]}

    # Each slow task sleeps 1 s; had one been timed from the other's end it would look much shorter.
    assert steps["left"]["duration_seconds"] >= 0.9
    assert steps["right"]["duration_seconds"] >= 0.9
    assert steps["both"]["started_at"] >= max(steps["left"]["finished_at"], steps["right"]["finished_at"])


def test_loop_body_tasks_show_one_step_per_iteration(running_tenant: Tenant, tmp_path: Path) -> None:
    run_id = _finished(running_tenant, "foreach_sequential", {"dir": str(tmp_path)})

    steps = {s["task_id"]: s for s in _view(running_tenant, run_id, "steps")["items"]}
    timeline = _view(running_tenant, run_id, "replay")["timeline"]

    assert (steps["stamp"]["state"], steps["stamp"]["iterations"]) == ("completed", 3)
    assert steps["each"]["state"] == "completed"
    stamps = [item["step"] for item in timeline if item["kind"] == "step" and item["step"].startswith("stamp")]
    assert len(stamps) == 3
    assert len(set(stamps)) == 3


def test_untaken_condition_branch_is_skipped_and_the_graph_shows_the_branch_edges(
    running_tenant: Tenant, tmp_path: Path
) -> None:
    run_id = _finished(running_tenant, "condition_branches", {"n": 1, "label": "go"})

    graph = _view(running_tenant, run_id, "graph")

    states = {node["id"]: node["state"] for node in graph["nodes"]}
    assert (states["yes"], states["yes2"], states["no"], states["after"]) == (
        "skipped",
        "skipped",
        "completed",
        "completed",
    )
    assert {("big", "yes", "if_true"), ("big", "no", "if_false")} <= {
        (e["from"], e["to"], e["kind"]) for e in graph["edges"]
    }


def test_a_handled_failure_shows_the_task_failed_its_handler_completed_and_its_dependent_skipped(
    running_tenant: Tenant,
) -> None:
    run_id = _finished(running_tenant, "handlers_around_tasks", {"fail": 1, "refund_exit": 0})

    steps = {s["task_id"]: s["state"] for s in _view(running_tenant, run_id, "steps")["items"]}
    edges = {(e["from"], e["to"], e["kind"]) for e in _view(running_tenant, run_id, "graph")["edges"]}

    assert steps == {
        "refund": "completed",
        "charge": "failed",
        "ship": "completed",
        "after_charge": "skipped",
        "notify": "completed",
    }
    assert {("charge", "refund", "on_failure"), ("ship", "notify", "on_success")} <= edges
