"""`timeout_policy.kill_on_timeout: false` is not honoured (a timed-out task is always killed), so a definition
that asks for it is a 400 naming the field wherever the task is: no silently ignored option.

A run stored by an earlier release with the field still plans, as other fields refused only at submission do.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from hwe import errors, interpreter, tools
from tests.integration.conftest import Tenant
from tests.workflow_examples import load


def _policy(kill: object) -> dict[str, Any]:
    return {"timeout": "PT5S", "kill_on_timeout": kill}


def _top(kill: object) -> dict[str, Any]:
    definition = copy.deepcopy(load("task_with_timeout"))
    definition["tasks"]["slow"]["timeout_policy"] = _policy(kill)
    return definition


def _in_a_loop(kill: object) -> dict[str, Any]:
    body: dict[str, Any] = {"task_id": "each", "operator_type": "task", "function": "tools.shell.run", "args": ["true"]}
    loop = {"task_id": "loop", "operator_type": "foreach", "items": "{{items}}", "loop_body": [body]}
    body["timeout_policy"] = _policy(kill)
    return {"name": "looped", "variables": {"items": [1]}, "tasks": {"loop": loop}}


def _in_a_branch(kill: object) -> dict[str, Any]:
    inner = {"task_id": "inner", "function": "tools.shell.run", "args": ["true"], "timeout_policy": _policy(kill)}
    fork = {"task_id": "fork", "operator_type": "parallel", "branches": {"a": ["inner"]}}
    branch = {"name": "branch_a", "tasks": {"inner": inner}}
    return {"name": "forked", "tasks": {"fork": {**fork, "branch_workflows": {"a": branch}}}}


REFUSED = [
    (_top(False), "tasks.slow.timeout_policy.kill_on_timeout"),
    (_top("false"), "tasks.slow.timeout_policy.kill_on_timeout"),  # what pydantic would read as false
    (_in_a_loop(False), "tasks.loop.loop_body[0].timeout_policy.kill_on_timeout"),
    (_in_a_branch(False), "tasks.fork.branch_workflows.a.tasks.inner.timeout_policy.kill_on_timeout"),
]


@pytest.mark.parametrize(("definition", "path"), REFUSED, ids=["task", "task-string", "loop-body", "branch"])
def test_kill_on_timeout_false_is_a_400_naming_the_field(tenant: Tenant, definition: dict[str, Any], path: str) -> None:
    response = tenant.submit(definition, inputs={"dir": "/tmp"})
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == "invalid_workflow"
    assert f"field {path!r}: false is not supported" in body["message"]


def test_kill_on_timeout_true_or_left_out_is_accepted(tenant: Tenant) -> None:
    left_out = _top(True)
    del left_out["tasks"]["slow"]["timeout_policy"]["kill_on_timeout"]
    for definition in (_top(True), left_out):
        response = tenant.submit(definition, inputs={"dir": "/tmp/kill-on-timeout-accepted"})
        assert response.status_code in (200, 201, 202), response.text


def test_submission_refuses_it_but_a_stored_run_with_it_still_plans() -> None:
    tools.load_builtin_tools()
    definition = _top(False)

    with pytest.raises(errors.InvalidWorkflow, match=r"'tasks\.slow\.timeout_policy\.kill_on_timeout': false"):
        interpreter.check_new_definition(definition)
    plan = interpreter.build_plan(definition)

    assert plan.steps[0].timeout_seconds == 5.0
