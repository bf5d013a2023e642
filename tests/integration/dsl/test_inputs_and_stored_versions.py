"""Inputs beat variables of the same name, and a submitted workflow is found by name as a child afterwards."""

from __future__ import annotations

import uuid
from typing import Any

from tests.integration.conftest import Tenant
from tests.integration.dsl.conftest import finish
from tests.workflow_examples import load


def _greeter(args: list[str]) -> dict[str, Any]:
    return {
        "name": f"greeter_{uuid.uuid4().hex[:8]}",
        "version": "1.0.0",
        "variables": {"who": "default"},
        "tasks": {"say": {"task_id": "say", "operator_type": "task", "function": "tools.shell.run", "args": args}},
    }


def test_an_input_overrides_the_variable_of_its_name_in_a_bare_template_and_in_inputs(runner: Tenant) -> None:
    run = finish(runner, _greeter(["printf {{who}}-{{inputs.who}}"]), {"who": "caller"})

    assert run["state"] == "completed", run["error"]
    assert run["result"]["output"]["stdout"] == "caller-caller"


def test_without_an_input_the_variable_is_the_default(runner: Tenant) -> None:
    run = finish(runner, _greeter(["printf {{who}}-{{inputs.who}}"]))

    assert run["result"]["output"]["stdout"] == "default-default"


def test_a_bare_template_reads_an_input_that_is_no_variable(runner: Tenant) -> None:
    run = finish(runner, _greeter(["printf {{extra}}"]), {"extra": "given"})

    assert run["result"]["output"]["stdout"] == "given"


def test_an_input_does_not_override_the_runs_own_names(runner: Tenant) -> None:
    run = finish(runner, _greeter(["printf {{workflow_run_id}}"]), {"workflow_run_id": "forged"})

    assert run["result"]["output"]["stdout"] == run["workflow_run_id"]


def test_a_workflow_submitted_once_is_started_by_name_as_a_child_workflow(runner: Tenant) -> None:
    child = load("child_doubler")
    child["name"] = f"doubler_{uuid.uuid4().hex[:8]}"
    assert finish(runner, child, {"n": 1})["state"] == "completed"
    parent = load("child_workflows_fan_out")
    for branch in parent["tasks"]["fan"]["children"].values():
        branch["workflow_name"] = child["name"]

    run = finish(runner, parent, {"n": 4})

    assert run["state"] == "completed", run["error"]
    assert run["result"]["output"]["stdout"].strip() == "8"


def test_resubmitting_the_same_definition_adds_no_version_and_new_content_adds_the_next(runner: Tenant) -> None:
    definition = _greeter(["printf one"])
    for _ in range(2):
        assert runner.submit(definition).status_code == 201
    changed = {**definition, "description": "second"}
    assert runner.submit(changed).status_code == 201

    listed = runner.client.get("/api/v1/workflows/definitions", params={"name": definition["name"]})

    assert [i["version"] for i in listed.json()["data"]["items"]] == [2, 1]
