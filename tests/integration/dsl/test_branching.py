"""condition and switch take one branch and skip the others; what follows the operator still runs."""

from __future__ import annotations

from tests.integration.conftest import Tenant
from tests.integration.dsl.conftest import finish
from tests.workflow_examples import load


def test_condition_that_holds_runs_the_true_branch_and_skips_the_false_one(runner: Tenant) -> None:
    run = finish(runner, load("condition_branches"), {"n": "7", "label": "go"})

    assert run["state"] == "completed", run
    assert {"yes", "yes2"} <= set(run["context"])
    assert "no" not in run["context"]


def test_condition_that_fails_skips_the_whole_true_branch_by_propagation(runner: Tenant) -> None:
    run = finish(runner, load("condition_branches"), {"n": "2", "label": "go"})

    assert run["state"] == "completed", run
    assert "no" in run["context"]
    assert not {"yes", "yes2"} & set(run["context"])


def test_task_depending_on_the_condition_itself_runs_whichever_branch_is_taken(runner: Tenant) -> None:
    taken = finish(runner, load("condition_branches"), {"n": "7", "label": "go"})
    not_taken = finish(runner, load("condition_branches"), {"n": "7", "label": "stop"})

    assert "after" in taken["context"]
    assert "after" in not_taken["context"]
    assert "no" in not_taken["context"]


def test_condition_compares_a_numeric_stdout_as_a_number(runner: Tenant) -> None:
    # As text "10" < "3"; trimmed and read as a number, 10 > 3.
    run = finish(runner, load("condition_branches"), {"n": "10", "label": "go"})

    assert run["state"] == "completed", run
    assert "yes" in run["context"]


def test_switch_runs_the_matching_case_and_skips_the_others(runner: Tenant) -> None:
    run = finish(runner, load("switch_with_join"), {"kind": "json"})

    assert run["state"] == "completed", run
    assert "h_json" in run["context"]
    assert not {"h_csv", "h_def"} & set(run["context"])


def test_switch_without_a_matching_case_runs_the_default(runner: Tenant) -> None:
    run = finish(runner, load("switch_with_join"), {"kind": "xml"})

    assert run["state"] == "completed", run
    assert "h_def" in run["context"]
    assert not {"h_csv", "h_json"} & set(run["context"])
