"""on_success/on_failure handlers run only when triggered; guards fail a task before or after it runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import Tenant
from tests.integration.dsl.conftest import finish
from tests.workflow_examples import load


def test_failure_handled_by_a_handler_declared_before_the_task_completes_the_run(runner: Tenant) -> None:
    run = finish(runner, load("handlers_around_tasks"), {"fail": 1, "refund_exit": 0})

    assert run["state"] == "completed", run
    assert "refund" in run["context"]
    assert "after_charge" not in run["context"]


def test_success_handler_declared_after_the_task_runs_when_the_task_succeeds(runner: Tenant) -> None:
    run = finish(runner, load("handlers_around_tasks"), {"fail": 1, "refund_exit": 0})

    assert run["context"]["notify"]["stdout"] == "notify\n"


def test_handler_whose_trigger_never_happens_is_skipped(runner: Tenant) -> None:
    run = finish(runner, load("handlers_around_tasks"), {"fail": 0, "refund_exit": 0})

    assert run["state"] == "completed", run
    assert "refund" not in run["context"]
    assert "after_charge" in run["context"]


def test_failure_whose_handler_fails_too_fails_the_run(runner: Tenant) -> None:
    run = finish(runner, load("handlers_around_tasks"), {"fail": 1, "refund_exit": 1})

    assert run["state"] == "failed"
    assert run["error"]["task_id"] in ("charge", "refund")


def test_failed_precondition_fails_the_task_without_running_it(runner: Tenant, tmp_path: Path) -> None:
    run = finish(runner, load("guarded_task"), {"dir": str(tmp_path), "size": 50, "answer": 42})

    assert run["state"] == "failed"
    assert "size must be within 1..10" in run["error"]["message"]
    assert not (tmp_path / "ran.log").exists()


def test_failed_postcondition_fails_a_task_that_succeeded(runner: Tenant, tmp_path: Path) -> None:
    run = finish(runner, load("guarded_task"), {"dir": str(tmp_path), "size": 5, "answer": 41})

    assert run["state"] == "failed"
    assert "the answer must be 42" in run["error"]["message"]
    assert (tmp_path / "ran.log").exists()


def test_task_whose_guards_hold_completes(runner: Tenant, tmp_path: Path) -> None:
    run = finish(runner, load("guarded_task"), {"dir": str(tmp_path), "size": 5, "answer": 42})

    assert run["state"] == "completed", run


@pytest.mark.parametrize(
    ("variable", "check", "value", "holds"),
    [
        ("{{inputs.size}}", "exists", None, True),
        ("{{inputs.missing}}", "exists", None, False),
        ("{{inputs.nothing}}", "not_null", None, False),
        ("{{inputs.size}}", "not_equals", 5, False),
        ("{{inputs.name}}", "matches_regex", "^ad[a-z]$", True),
        ("{{inputs.name}}", "matches_regex", "^z", False),
        ("{{inputs.size}}", "type_check", "int", True),
        ("{{inputs.name}}", "type_check", "int", False),
        ("{{inputs.name}}", "in_set", ["ada", "bob"], True),
        ("{{inputs.name}}", "in_set", ["bob"], False),
    ],
)
def test_each_guard_check_lets_the_task_run_only_when_it_holds(
    runner: Tenant, tmp_path: Path, variable: str, check: str, value: Any, holds: bool
) -> None:
    definition = load("guarded_task")
    definition["tasks"]["sized"]["preconditions"] = [
        {"variable": variable, "check": check, "value": value, "message": "guard"}
    ]
    inputs = {"dir": str(tmp_path), "size": 5, "answer": 42, "name": "ada", "nothing": None}

    run = finish(runner, definition, inputs)

    assert run["state"] == ("completed" if holds else "failed"), run
    assert (tmp_path / "ran.log").exists() is holds
