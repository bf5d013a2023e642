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
        (_broken("three_shell_steps", "combine", "operator_type", "parallel"), "'parallel' is not supported"),
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
