"""A task's circuit_breaker_policy: one breaker per tenant and tool, in PostgreSQL, seen by every run.

Each test opens tenants of its own (a breaker outlives the run that opened it). The shell task logs
every run of its command to calls.log, so a call that failed fast shows as a missing line.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hwe import db
from tests.integration.conftest import Tenant, wait_until
from tests.integration.dsl.conftest import finish
from tests.workflow_examples import load

SHELL = "tools.shell.run"


@pytest.fixture
def fresh_tenant(open_served_tenant: Callable[[str], Tenant]) -> Callable[[], Tenant]:
    """Opens a new tenant served by a worker, so no breaker state is left from another test."""
    return lambda: open_served_tenant(f"t{uuid.uuid4().hex[:12]}")


def _breaker(database_url: str, tenant: Tenant, function_name: str = SHELL) -> dict[str, Any]:
    with db.connect(database_url) as conn:
        row = conn.execute(
            "SELECT state, consecutive_failures, consecutive_successes, open_until,"
            " open_until <= hwe.current_time() AS isolation_over"
            " FROM hwe.circuit_breaker WHERE tenant_id = %s AND function_name = %s",
            (tenant.tenant_id, function_name),
        ).fetchone()
    assert row is not None, f"tenant {tenant.tenant_id} has no breaker for {function_name}"
    return row


def _calls(directory: Path) -> list[str]:
    log = directory / "calls.log"
    return log.read_text().split() if log.exists() else []


def _open_breaker(tenant: Tenant, directory: Path, database_url: str) -> None:
    run = finish(tenant, load("shell_behind_circuit_breaker"), {"dir": str(directory)})
    assert run["state"] == "failed", run
    assert _breaker(database_url, tenant)["state"] == "open"


def test_failures_open_the_breaker_and_a_later_call_fails_fast_without_running_the_tool(
    fresh_tenant: Callable[[], Tenant], database_url: str, tmp_path: Path
) -> None:
    tenant = fresh_tenant()

    _open_breaker(tenant, tmp_path, database_url)
    # The first attempt and its retry are the two failures in a row that opened it.
    assert _calls(tmp_path) == ["call", "call"]
    assert _breaker(database_url, tenant)["consecutive_failures"] == 2

    run = finish(tenant, load("shell_behind_circuit_breaker"), {"dir": str(tmp_path)})

    assert run["state"] == "failed", run
    assert "circuit breaker for tools.shell.run is open until" in run["error"]["message"]
    assert "the tool was not run" in run["error"]["message"]
    assert _calls(tmp_path) == ["call", "call"], "a call ran while the breaker was open"


def test_after_the_isolation_calls_run_half_open_and_two_successes_close_the_breaker(
    fresh_tenant: Callable[[], Tenant], database_url: str, tmp_path: Path
) -> None:
    tenant = fresh_tenant()
    _open_breaker(tenant, tmp_path, database_url)
    (tmp_path / "healthy").touch()
    wait_until(lambda: _breaker(database_url, tenant)["isolation_over"], 10, "the isolation to pass")

    first = finish(tenant, load("shell_behind_circuit_breaker"), {"dir": str(tmp_path)})
    half_open = _breaker(database_url, tenant)
    second = finish(tenant, load("shell_behind_circuit_breaker"), {"dir": str(tmp_path)})

    assert (first["state"], second["state"]) == ("completed", "completed")
    assert (half_open["state"], half_open["consecutive_successes"]) == ("half_open", 1)
    closed = _breaker(database_url, tenant)
    assert (closed["state"], closed["consecutive_failures"], closed["open_until"]) == ("closed", 0, None)
    assert _calls(tmp_path) == ["call"] * 4


def test_a_failure_while_half_open_opens_the_breaker_again(
    fresh_tenant: Callable[[], Tenant], database_url: str, tmp_path: Path
) -> None:
    tenant = fresh_tenant()
    _open_breaker(tenant, tmp_path, database_url)
    first_open_until = _breaker(database_url, tenant)["open_until"]
    wait_until(lambda: _breaker(database_url, tenant)["isolation_over"], 10, "the isolation to pass")

    run = finish(tenant, load("shell_behind_circuit_breaker"), {"dir": str(tmp_path)})

    assert run["state"] == "failed", run
    # The probe ran and failed; its retry then failed fast against the breaker opened again.
    assert _calls(tmp_path) == ["call"] * 3
    assert "is open until" in run["error"]["message"]
    breaker = _breaker(database_url, tenant)
    assert breaker["state"] == "open"
    assert breaker["open_until"] > first_open_until


def test_an_open_breaker_blocks_only_its_own_tenant(
    fresh_tenant: Callable[[], Tenant], database_url: str, tmp_path: Path
) -> None:
    blocked, other = fresh_tenant(), fresh_tenant()
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "healthy").touch()
    _open_breaker(blocked, tmp_path, database_url)

    run = finish(other, load("shell_behind_circuit_breaker"), {"dir": str(tmp_path / "other")})

    assert run["state"] == "completed", run
    assert _calls(tmp_path / "other") == ["call"]
    assert _breaker(database_url, blocked)["state"] == "open"
    assert _breaker(database_url, other)["state"] == "closed"


def test_runs_of_another_workflow_share_the_breaker_of_the_tool_they_call(
    fresh_tenant: Callable[[], Tenant], database_url: str, tmp_path: Path
) -> None:
    tenant = fresh_tenant()
    _open_breaker(tenant, tmp_path, database_url)
    without_policy = copy.deepcopy(load("report_behind_circuit_breaker"))
    without_policy["tasks"]["report"]["circuit_breaker_policy"] = None

    shared = finish(tenant, load("report_behind_circuit_breaker"), {"dir": str(tmp_path)})
    unguarded = finish(tenant, without_policy, {"dir": str(tmp_path)})

    assert shared["state"] == "failed", shared
    assert "circuit breaker for tools.shell.run is open" in shared["error"]["message"]
    # A task without a policy neither consults nor feeds the breaker.
    assert unguarded["state"] == "completed", unguarded
    assert _calls(tmp_path) == ["call", "call", "report"]
    assert _breaker(database_url, tenant)["state"] == "open"


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("failure_threshold", 0, "field 'circuit_breaker_policy.failure_threshold'"),
        ("success_threshold", 0, "field 'circuit_breaker_policy.success_threshold'"),
        ("isolation_duration", "PT0S", "field 'circuit_breaker_policy.isolation_duration': a positive duration"),
        (
            "catch_exceptions",
            ["requests.Timeout"],
            "field 'circuit_breaker_policy.catch_exceptions': 'requests.Timeout' is not an error",
        ),
        ("ignore_exceptions", ["ValueError"], "field 'circuit_breaker_policy.ignore_exceptions': 'ValueError'"),
    ],
)
def test_circuit_breaker_policy_that_cannot_be_honoured_gets_400_naming_the_task_and_field(
    tenant: Tenant, field: str, value: Any, expected: str
) -> None:
    definition = copy.deepcopy(load("shell_behind_circuit_breaker"))
    definition["tasks"]["call"]["circuit_breaker_policy"][field] = value

    response = tenant.submit(definition)

    assert response.status_code == 400, response.text
    assert response.json()["code"] == "invalid_workflow"
    assert f"task 'call': {expected}" in response.json()["message"]


def test_circuit_breaker_policy_on_an_operator_that_calls_no_tool_gets_400(tenant: Tenant) -> None:
    definition = copy.deepcopy(load("sleep_between_steps"))
    definition["tasks"]["nap"]["circuit_breaker_policy"] = load("shell_behind_circuit_breaker")["tasks"]["call"][
        "circuit_breaker_policy"
    ]

    response = tenant.submit(definition)

    assert response.status_code == 400, response.text
    assert "task 'nap': field 'circuit_breaker_policy': only a task or an activity" in response.json()["message"]
