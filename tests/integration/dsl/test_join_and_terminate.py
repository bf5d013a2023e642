"""join waits for its join_tasks and judges their final states; terminate ends the run at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.conftest import Tenant
from tests.integration.dsl.conftest import finish
from tests.workflow_examples import load


def test_join_without_dependencies_waits_for_the_chosen_case_before_its_successor(runner: Tenant) -> None:
    run = finish(runner, load("switch_with_join"), {"kind": "csv"})

    assert run["state"] == "completed", run
    # Had the join not waited for the 0.3 s case, one_success would have found no success and failed.
    assert run["context"]["after"]["stdout"] == "after\n"


def test_join_one_success_is_satisfied_by_the_one_case_that_ran(runner: Tenant) -> None:
    run = finish(runner, load("switch_with_join"), {"kind": "csv"})

    assert run["state"] == "completed"
    assert run["result"]["output"] == {"stdout": "after\n", "stderr": "", "returncode": 0}


def test_join_all_success_fails_the_run_when_one_join_task_failed(runner: Tenant) -> None:
    run = finish(runner, load("join_all_success"), {"fail": 1})

    assert run["state"] == "failed"
    assert run["error"]["task_id"] in ("shaky", "joined")
    assert "steady" in run["context"]


def test_join_all_success_succeeds_when_every_join_task_succeeded(runner: Tenant) -> None:
    run = finish(runner, load("join_all_success"), {"fail": 0})

    assert run["state"] == "completed", run
    assert run["result"]["output"]["join_mode"] == "all_success"


def test_terminate_completed_ends_the_run_with_its_result_and_skips_what_follows(
    runner: Tenant, tmp_path: Path
) -> None:
    run = finish(runner, load("terminate_early"), {"dir": str(tmp_path)})

    assert run["state"] == "completed", run
    assert run["result"]["output"] == {"by": "first\n"}
    assert run["result"]["reason"] == "enough"
    assert not (tmp_path / "never.log").exists()


def test_terminate_failed_fails_the_run_with_its_reason(runner: Tenant, tmp_path: Path) -> None:
    definition = load("terminate_early")
    definition["tasks"]["stop"]["status"] = "failed"

    run = finish(runner, definition, {"dir": str(tmp_path)})

    assert run["state"] == "failed"
    assert run["error"]["task_id"] == "stop"
    assert "enough" in run["error"]["message"]
    assert not (tmp_path / "never.log").exists()


def test_terminate_cancelled_ends_the_run_failed_saying_it_was_cancelled(runner: Tenant, tmp_path: Path) -> None:
    definition = load("terminate_early")
    definition["tasks"]["stop"]["status"] = "cancelled"

    run = finish(runner, definition, {"dir": str(tmp_path)})

    assert run["state"] == "failed"
    assert "'cancelled'" in run["error"]["message"]


@pytest.mark.parametrize(
    ("mode", "satisfied"), [("all_of", True), ("any_of", True), ("all_success", False), ("one_success", True)]
)
def test_join_mode_judges_a_success_and_a_failure_of_its_join_tasks(runner: Tenant, mode: str, satisfied: bool) -> None:
    definition = load("join_all_success")
    definition["tasks"]["joined"].update(join_mode=mode, result_key="joined")

    run = finish(runner, definition, {"fail": 1})

    # The failure itself is not handled, so the run fails whatever the join decided.
    assert run["state"] == "failed"
    assert run["context"]["joined"]["satisfied"] is satisfied
