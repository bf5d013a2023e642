"""`hwe status` and `hwe list`: a run's panel and the runs' table, read through the API."""

from __future__ import annotations

import json

from tests.integration.cli.conftest import HweRunner
from tests.integration.conftest import Tenant
from tests.workflow_examples import load


def _submit(tenant: Tenant, example: str = "three_shell_steps") -> str:
    run_id: str = tenant.submit(load(example), {"name": "s"}).json()["data"]["workflow_run_id"]
    return run_id


def test_status_shows_state_progress_and_current_step(tenant: Tenant, hwe: HweRunner) -> None:
    run_id = _submit(tenant)
    done = hwe(tenant, "status", run_id)
    assert done.returncode == 0, done.stderr
    for text in (run_id, "three_shell_steps", "pending", "0/3 steps", "Current step"):
        assert text in done.stdout


def test_status_of_a_failed_run_shows_its_error(running_tenant: Tenant, hwe: HweRunner) -> None:
    run_id = _submit(running_tenant, "failing_second_step")
    running_tenant.wait_for_state(run_id)
    done = hwe(running_tenant, "status", run_id)
    assert "failed" in done.stdout
    assert "Error" in done.stdout
    assert "break" in done.stdout


def test_status_json_prints_the_apis_view_of_the_run(tenant: Tenant, hwe: HweRunner) -> None:
    run_id = _submit(tenant)
    done = hwe(tenant, "status", run_id, "--json")
    assert json.loads(done.stdout)["workflow_run_id"] == run_id


def test_status_of_an_unknown_run_exits_1_with_not_found(tenant: Tenant, hwe: HweRunner) -> None:
    done = hwe(tenant, "status", "6f1c6f3a-0000-4000-8000-000000000000")
    assert done.returncode == 1
    assert "not_found" in done.stderr


def test_list_shows_the_runs_newest_first(tenant: Tenant, hwe: HweRunner) -> None:
    first, second = _submit(tenant), _submit(tenant)
    done = hwe(tenant, "list")
    assert done.returncode == 0, done.stderr
    assert second in done.stdout
    assert done.stdout.index(second) < done.stdout.index(first)


def test_list_limit_follows_pages_up_to_the_limit(tenant: Tenant, hwe: HweRunner) -> None:
    runs = [_submit(tenant) for _ in range(3)]
    done = hwe(tenant, "list", "--limit", "2", "--json")
    assert [item["workflow_run_id"] for item in json.loads(done.stdout)] == runs[:0:-1]


def test_list_state_filter_shows_only_that_state(running_tenant: Tenant, hwe: HweRunner) -> None:
    failed = _submit(running_tenant, "failing_second_step")
    done_run = _submit(running_tenant)
    running_tenant.wait_for_state(failed)
    running_tenant.wait_for_state(done_run)
    done = hwe(running_tenant, "list", "--state", "failed")
    assert failed in done.stdout
    assert done_run not in done.stdout
