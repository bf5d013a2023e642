"""parallel, multi_choice, child_workflow, activity and tools.workflow.*: child runs with a parent.

Each child is a run of its own (visible through the API with its parent_run_id); its parent
waits for the event the child emits when it finishes, holding no worker meanwhile.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import Tenant, wait_until
from tests.integration.dsl.conftest import finish
from tests.workflow_examples import load

DEFINITIONS = "/api/v1/workflows/definitions"


def children_of(tenant: Tenant, parent: dict[str, Any]) -> list[dict[str, Any]]:
    listed = tenant.client.get("/api/v1/workflows", params={"limit": 100}).json()["data"]["items"]
    return [run for run in listed if run["parent_run_id"] == parent["workflow_run_id"]]


@pytest.fixture(scope="module")
def stored_child(runner: Tenant) -> None:
    response = runner.client.post(DEFINITIONS, json={"workflow_definition": load("child_doubler")})
    assert response.status_code in (200, 201), response.text


def test_parallel_branches_run_as_child_runs_and_the_wait_returns_their_results(runner: Tenant) -> None:
    run = finish(runner, load("parallel_fan_out"), {"fail_b": 0})

    assert run["state"] == "completed", run
    branches = run["context"]["branches"]
    assert branches["a"]["status"] == "completed"
    # Branch a's second task read its first task's result, which read the parent's `init`.
    assert branches["a"]["result"]["stdout"] == "a2-after-a1-seed\n"
    assert branches["b"]["result"]["stdout"] == "b1\n"
    assert branches["a"]["tasks"] == {"a1": "success", "a2": "success"}
    assert run["context"]["after"]["stdout"] == "a2-after-a1-seed\n"
    # Each branch is a run of its own, linked to its parent, pinned to its branch workflow.
    children = {child["workflow_name"]: child for child in children_of(runner, run)}
    # Replayed after each branch finished, the parent started each branch exactly once.
    assert sorted(child["workflow_name"] for child in children_of(runner, run)) == ["fork_a", "fork_b"]
    assert all(child["state"] == "completed" for child in children.values())
    handle = run["context"]["fork_data"]["branches"]
    assert {handle["a"]["workflow_run_id"], handle["b"]["workflow_run_id"]} == {
        child["workflow_run_id"] for child in children.values()
    }


def test_cancelling_a_parent_cancels_its_unfinished_branches(runner: Tenant) -> None:
    definition = load("parallel_fan_out")
    definition["tasks"]["fork"]["branch_workflows"]["b"]["tasks"]["b_pause"]["wait_for"] = "PT60S"
    run_id = runner.submit(definition, {"fail_b": 0}).json()["data"]["workflow_run_id"]
    parent = runner.wait_for_state(run_id, ("waiting",))

    wait_until(lambda: len(children_of(runner, parent)) == 2, 10, "both branches to start")
    response = runner.client.post(f"/api/v1/workflows/{run_id}/cancel")

    assert response.status_code == 200, response.text
    states = {child["workflow_name"]: child["state"] for child in children_of(runner, parent)}
    assert states["fork_b"] == "cancelled"  # it was sleeping; branch a had finished or was cancelled too
    assert states["fork_a"] in ("completed", "cancelled")


def test_a_failed_branch_fails_the_wait_naming_the_branch(runner: Tenant) -> None:
    run = finish(runner, load("parallel_fan_out"), {"fail_b": 1})

    assert run["state"] == "failed", run
    assert run["error"]["task_id"] == "wait_branches"
    assert "'b'" in run["error"]["message"] and "failed" in run["error"]["message"]
    assert "after" not in run["context"]


def test_multi_choice_starts_only_the_branches_whose_condition_holds(runner: Tenant) -> None:
    run = finish(runner, load("multi_choice_routes"), {"size": 7})

    assert run["state"] == "completed", run
    assert set(run["context"]["route_results"]) == {"small", "large"}
    assert run["context"]["routed"]["skipped_branches"] == ["huge"]
    assert sorted(child["workflow_name"] for child in children_of(runner, run)) == [
        "route_large",
        "route_small",
    ]


def test_multi_choice_fails_when_fewer_branches_than_the_minimum_match(runner: Tenant) -> None:
    definition = load("multi_choice_routes")
    definition["tasks"]["route"]["minimum_branches"] = 2

    run = finish(runner, definition, {"size": 2})

    assert run["state"] == "failed", run
    assert run["error"]["task_id"] == "route"
    assert "minimum_branches=2" in run["error"]["message"]
    assert children_of(runner, run) == []


def test_activity_returns_its_completion_event_at_once_and_emits_it_when_done(runner: Tenant, tmp_path: Path) -> None:
    run = finish(runner, load("activity_then_wait"), {"dir": str(tmp_path), "word": "numbers"})

    assert run["state"] == "completed", run
    handle = run["context"]["crunch"]
    assert handle["status"] == "queued"
    assert handle["completion_event"] == f"run_finished:{handle['activity_run_id']}"
    assert run["context"]["done"]["payload"]["status"] == "completed"
    assert run["context"]["use"]["stdout"] == "got crunched-numbers\n"
    assert (tmp_path / "activity.log").read_text() == "ran\n"
    [activity] = children_of(runner, run)
    assert activity["workflow_run_id"] == handle["activity_run_id"]


def test_child_workflows_start_the_stored_workflow_and_collect_each_result(runner: Tenant, stored_child: None) -> None:
    run = finish(runner, load("child_workflows_fan_out"), {"n": 4})

    assert run["state"] == "completed", run
    doubled = run["context"]["doubled"]
    assert doubled["first"]["status"] == "completed"
    assert doubled["first"]["result"]["stdout"] == "8\n"
    assert doubled["second"]["result"]["stdout"] == "42\n"
    assert run["context"]["sum"]["stdout"] == "8\n"
    assert len(children_of(runner, run)) == 2


def test_a_failed_child_workflow_fails_its_parent_task(runner: Tenant, stored_child: None) -> None:
    run = finish(runner, load("child_workflows_fan_out"), {"n": 13})

    assert run["state"] == "failed", run
    assert run["error"]["task_id"] == "fan"
    assert "'first'" in run["error"]["message"]


def test_a_child_workflow_that_is_not_stored_fails_the_task_with_its_name(runner: Tenant) -> None:
    definition = load("child_workflows_fan_out")
    definition["tasks"]["fan"]["children"]["first"]["workflow_name"] = "no_such_workflow"

    run = finish(runner, definition, {"n": 1})

    assert run["state"] == "failed"
    assert "no_such_workflow" in run["error"]["message"]


def test_workflow_execute_runs_the_stored_workflow_as_a_child_and_returns_its_result(
    runner: Tenant, stored_child: None
) -> None:
    run = finish(runner, load("workflow_execute"), {"n": 5})

    assert run["state"] == "completed", run
    assert run["context"]["sub"]["status"] == "completed"
    assert run["context"]["sub"]["result"]["stdout"] == "10\n"
    [child] = children_of(runner, run)
    assert child["workflow_run_id"] == run["context"]["sub"]["workflow_run_id"]


def test_workflow_execute_without_a_workflow_name_fails_with_a_clear_message(runner: Tenant) -> None:
    definition = load("workflow_execute")
    definition["tasks"]["sub"]["kwargs"] = {"inputs": {}}

    run = finish(runner, definition)

    assert run["state"] == "failed"
    assert "exactly one of 'workflow_name'" in run["error"]["message"]


def test_reflexive_turns_until_the_verifier_passes(runner: Tenant) -> None:
    run = finish(runner, load("reflexive_until_verified"), {"pass_from": 2})

    assert run["state"] == "completed", run
    draft = run["context"]["draft"]
    assert draft["turns"] == 2
    assert draft["output"] == {"turn": 2, "correction": "fix turn 2 after turn 1"}
    assert draft["feedback"] == {"passed": True, "reason": "turn 2"}


def test_reflexive_fails_when_no_turn_passes(runner: Tenant) -> None:
    run = finish(runner, load("reflexive_until_verified"), {"pass_from": 9})

    assert run["state"] == "failed"
    assert "in 3 turn(s)" in run["error"]["message"]


def test_a_child_ended_by_its_deadline_wakes_its_parent_which_fails_naming_it(
    runner: Tenant, timeout_service: object
) -> None:
    # The deadline is enforced by the timeout service, not by a worker: the parent still hears of it.
    slow_child = load("child_doubler")
    slow_child["name"] = "slow_child"
    slow_child["deadline_seconds"] = 1
    slow_child["tasks"]["nap"] = {"task_id": "nap", "operator_type": "wait", "wait_for": "PT60S", "dependencies": []}
    assert runner.client.post(DEFINITIONS, json={"workflow_definition": slow_child}).status_code in (200, 201)
    parent = load("child_workflows_fan_out")
    parent["tasks"]["fan"]["children"] = {"only": {"workflow_name": "slow_child", "inputs": {"n": 1}}}

    run = finish(runner, parent, {"n": 1})

    assert run["state"] == "failed", run
    assert "'only'" in run["error"]["message"] and "deadline" in run["error"]["message"]
