"""Definitions whose graph cannot run are refused at submission with a 400 naming the task and field."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.integration.conftest import Tenant
from tests.integration.dsl.conftest import finish
from tests.workflow_examples import load


def _broken(example: str, task_id: str, field: str, value: Any) -> dict[str, Any]:
    definition = copy.deepcopy(load(example))
    definition["tasks"][task_id][field] = value
    return definition


def _as_parallel(definition: dict[str, Any], task_id: str) -> dict[str, Any]:
    # A parallel declares no function, args or kwargs: left in, they would be refused as unknown fields first.
    for field in ("function", "args", "kwargs"):
        definition["tasks"][task_id].pop(field)
    return definition


@pytest.mark.parametrize(
    ("definition", "expected"),
    [
        (
            _broken("switch_with_join", "route", "cases", {"csv": "nowhere"}),
            "task 'route': field 'cases' names 'nowhere'",
        ),
        (_broken("switch_with_join", "route", "default", "nowhere"), "task 'route': field 'default' names 'nowhere'"),
        (_broken("condition_branches", "big", "if_false", "nowhere"), "task 'big': field 'if_false' names 'nowhere'"),
        (
            _broken("join_all_success", "joined", "join_tasks", ["steady", "nowhere"]),
            "field 'join_tasks' names 'nowhere'",
        ),
        (
            _broken("handlers_around_tasks", "charge", "on_failure_task_id", "nowhere"),
            "task 'charge': field 'on_failure_task_id' names 'nowhere'",
        ),
        (_broken("switch_with_join", "classify", "dependencies", ["h_csv"]), "cycle"),
        (_broken("three_shell_steps", "greet", "dependencies", ["greet"]), "cycle"),
        (_broken("foreach_sequential", "after", "task_id", "stamp"), "task 'after': field 'task_id' is 'stamp'"),
        (
            _as_parallel(_broken("three_shell_steps", "combine", "operator_type", "parallel"), "combine"),
            "task 'combine': field 'branch_workflows': at least one branch is needed",
        ),
    ],
)
def test_graph_that_cannot_run_gets_400_naming_the_problem(
    tenant: Tenant, definition: dict[str, Any], expected: str
) -> None:
    response = tenant.submit(definition)

    assert response.status_code == 400, response.text
    assert response.json()["code"] == "invalid_workflow"
    assert expected in response.json()["message"]


def test_loop_body_task_id_used_by_an_ordinary_task_too_gets_400(tenant: Tenant) -> None:
    definition = copy.deepcopy(load("foreach_sequential"))
    definition["tasks"]["stamp"]["is_internal_loop_task"] = False

    response = tenant.submit(definition)

    assert response.status_code == 400, response.text
    assert "'stamp'" in response.json()["message"]


def test_result_key_equal_to_its_task_id_publishes_the_result_under_that_name(runner: Tenant) -> None:
    run = finish(runner, load("trigger_rule_grid"))

    assert run["context"]["ok"]["stdout"] == "ok\n"


def test_a_bad_parallel_branch_is_a_400_naming_the_task_and_the_branch(tenant: Tenant) -> None:
    definition = load("parallel_fan_out")
    definition["tasks"]["fork"]["branch_workflows"]["b"]["tasks"]["b1"]["function"] = "tools.nope"

    response = tenant.submit(definition)

    assert response.status_code == 400
    message = response.json()["message"]
    assert "'fork'" in message and "branch_workflows.b" in message and "tools.nope" in message


def test_a_child_workflow_without_a_workflow_name_is_a_400(tenant: Tenant) -> None:
    definition = load("child_workflows_fan_out")
    del definition["tasks"]["fan"]["children"]["second"]["workflow_name"]

    response = tenant.submit(definition)

    assert response.status_code == 400
    assert "children.second.workflow_name" in response.json()["message"]


def test_a_reflexive_with_an_unknown_verifier_is_a_400(tenant: Tenant) -> None:
    definition = load("reflexive_until_verified")
    definition["tasks"]["draft"]["verifier"] = "tools.llm.judge"

    response = tenant.submit(definition)

    assert response.status_code == 400
    assert "'verifier'" in response.json()["message"]


def test_a_dynamic_foreach_is_a_400_rather_than_silently_static(tenant: Tenant) -> None:
    definition = load("foreach_sequential")
    loop = next(key for key, task in definition["tasks"].items() if task["operator_type"] == "foreach")
    definition["tasks"][loop]["dynamic"] = True

    response = tenant.submit(definition)

    assert response.status_code == 400
    assert "'dynamic'" in response.json()["message"]
