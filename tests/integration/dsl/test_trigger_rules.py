"""Trigger rules decide from the upstream states; a skip propagates down all_success edges."""

from __future__ import annotations

import pytest

from tests.integration.conftest import Tenant
from tests.integration.dsl.conftest import finish
from tests.workflow_examples import load


@pytest.mark.parametrize(
    ("task_id", "runs"),
    [
        ("skipped_by_bad", False),
        ("all_success_after_failure", False),
        ("all_success_after_successes", True),
        ("all_done_after_failure", True),
        ("one_success_after_failure", True),
        ("one_success_without_success", False),
        ("one_done_after_failure", True),
        ("one_done_after_only_skips", False),
        ("none_failed_after_skip", True),
        ("none_failed_after_failure", False),
        ("propagated_skip", False),
        ("all_done_after_skip", True),
    ],
)
def test_trigger_rule_runs_or_skips_the_task_by_its_upstream_states(runner: Tenant, task_id: str, runs: bool) -> None:
    run = finish(runner, load("trigger_rule_grid"))

    assert (task_id in run["context"]) is runs, sorted(run["context"])


def test_unhandled_failure_fails_the_run_after_every_runnable_task_ran(runner: Tenant) -> None:
    run = finish(runner, load("trigger_rule_grid"))

    assert run["state"] == "failed"
    assert run["error"]["task_id"] == "bad"
    assert "all_done_after_skip" in run["context"]
