"""Independent tasks run at the same time; a task that needs both waits for both."""

from __future__ import annotations

from pathlib import Path

from tests.integration.conftest import Tenant
from tests.integration.dsl.conftest import finish
from tests.workflow_examples import load


def _stamp(directory: Path, name: str) -> float:
    return float((directory / name).read_text())


def test_two_independent_one_second_tasks_finish_in_well_under_two_seconds(runner: Tenant, tmp_path: Path) -> None:
    run = finish(runner, load("two_slow_independent_tasks"), {"dir": str(tmp_path)})

    assert run["state"] == "completed", run
    started = min(_stamp(tmp_path, "left.start"), _stamp(tmp_path, "right.start"))
    ended = max(_stamp(tmp_path, "left.end"), _stamp(tmp_path, "right.end"))
    assert ended - started < 1.7


def test_a_task_with_two_dependencies_starts_after_both_finished(runner: Tenant, tmp_path: Path) -> None:
    run = finish(runner, load("two_slow_independent_tasks"), {"dir": str(tmp_path)})

    assert run["state"] == "completed", run
    assert _stamp(tmp_path, "both.start") >= max(_stamp(tmp_path, "left.end"), _stamp(tmp_path, "right.end"))


def test_task_running_beside_a_sleeping_one_finishes_and_is_not_run_again(runner: Tenant, tmp_path: Path) -> None:
    run = finish(runner, load("sleep_beside_slow_task"), {"dir": str(tmp_path)})

    assert run["state"] == "completed", run
    assert (tmp_path / "slow.log").read_text().split() == ["ran"]
    assert run["context"]["after"]["stdout"] == "after\n"
