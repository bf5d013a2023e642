"""A definition refused at submission today for an unknown field still runs if an earlier release accepted it.

Submission checks every field (`check_new_definition`); execution builds the plan of a stored run with
`build_plan` alone, so runs in flight across an upgrade to the stricter check are not failed by it.
"""

from __future__ import annotations

import copy

import pytest

from hwe import errors, interpreter, tools
from tests.workflow_examples import load


def test_an_unknown_field_is_refused_at_submission_but_a_stored_run_with_it_still_plans() -> None:
    tools.load_builtin_tools()
    definition = copy.deepcopy(load("three_shell_steps"))
    task = next(iter(definition["tasks"].values()))
    task["agrs"] = ["typo kept from an older release"]

    with pytest.raises(errors.InvalidWorkflow, match="did you mean 'args'"):
        interpreter.check_new_definition(definition)
    plan = interpreter.build_plan(definition)

    assert [step.task_id for step in plan.steps] == list(definition["tasks"])


def test_a_workflow_without_tasks_is_refused_at_submission() -> None:
    definition = copy.deepcopy(load("three_shell_steps"))
    definition["tasks"] = {}

    with pytest.raises(errors.InvalidWorkflow, match="at least one task"):
        interpreter.check_new_definition(definition)
