"""foreach runs its body per item (in order, or concurrently); while runs it until its condition fails."""

from __future__ import annotations

from pathlib import Path

from tests.integration.conftest import Tenant
from tests.integration.dsl.conftest import finish
from tests.workflow_examples import load


def test_foreach_runs_the_body_for_each_item_of_a_json_stdout_in_order(runner: Tenant, tmp_path: Path) -> None:
    run = finish(runner, load("foreach_sequential"), {"dir": str(tmp_path)})

    assert run["state"] == "completed", run
    assert (tmp_path / "order.log").read_text().split() == ["a1", "a2", "b1", "b2", "c1", "c2"]


def test_foreach_writes_body_results_back_to_the_run_context(runner: Tenant, tmp_path: Path) -> None:
    run = finish(runner, load("foreach_sequential"), {"dir": str(tmp_path)})

    assert run["context"]["after"]["stdout"] == "last=c!"
    assert run["context"]["restamp"]["stdout"] == "c!"
    assert [r["stdout"] for r in run["context"]["each"]["results"]] == ["a!", "b!", "c!"]


def test_parallel_foreach_runs_its_iterations_at_the_same_time(runner: Tenant, tmp_path: Path) -> None:
    items = ["x", "y", "z"]

    run = finish(runner, load("foreach_parallel"), {"dir": str(tmp_path), "items": items})

    assert run["state"] == "completed", run
    started = min(float((tmp_path / f"{item}.start").read_text()) for item in items)
    ended = max(float((tmp_path / f"{item}.end").read_text()) for item in items)
    assert ended - started < 2.0


def test_foreach_over_something_that_is_not_a_list_fails_the_task(runner: Tenant, tmp_path: Path) -> None:
    run = finish(runner, load("foreach_parallel"), {"dir": str(tmp_path), "items": "not json"})

    assert run["state"] == "failed"
    assert run["error"]["task_id"] == "each"


def test_while_runs_the_body_until_its_condition_fails_and_sees_the_latest_counter(
    runner: Tenant, tmp_path: Path
) -> None:
    run = finish(runner, load("while_counter"), {"dir": str(tmp_path), "limit": 3})

    assert run["state"] == "completed", run
    assert (tmp_path / "seen.log").read_text().split() == ["0", "1", "2"]
    assert run["context"]["after"]["stdout"] == "3"


def test_while_whose_condition_is_false_at_first_never_runs_its_body(runner: Tenant, tmp_path: Path) -> None:
    run = finish(runner, load("while_counter"), {"dir": str(tmp_path), "limit": 0})

    assert run["state"] == "completed", run
    assert not (tmp_path / "seen.log").exists()


def test_while_stops_with_a_failure_at_its_iteration_cap(runner: Tenant, tmp_path: Path) -> None:
    definition = load("while_counter")
    definition["tasks"]["count"]["metadata"] = {"max_iterations": 2}

    run = finish(runner, definition, {"dir": str(tmp_path), "limit": 5})

    assert run["state"] == "failed"
    assert run["error"]["task_id"] == "count"
    assert (tmp_path / "seen.log").read_text().split() == ["0", "1"]


def test_nested_foreach_runs_the_inner_body_for_every_outer_item(runner: Tenant, tmp_path: Path) -> None:
    run = finish(runner, load("foreach_nested"), {"dir": str(tmp_path), "rows": [1, 2], "cells": ["a", "b"]})

    assert run["state"] == "completed", run
    assert (tmp_path / "pairs.log").read_text().split() == ["1-a", "1-b", "2-a", "2-b"]
