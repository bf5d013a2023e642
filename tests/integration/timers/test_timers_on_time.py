"""Durable timers, retry back-offs and event-wait timeouts fire on time, and replay charges a wait to the wait.

The worker polls only every few seconds here, far longer than any timer below, so only a wake-up the worker
schedules for the timer's own time can meet the bounds. Every duration is read from the engine's own timestamps
(checkpoints and audit records), not measured by the test.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.integration.api.test_run_views import _view
from tests.integration.cli.conftest import HweRunner
from tests.integration.conftest import Tenant, WorkerPool
from tests.workflow_examples import load

# Far longer than every timer below: a timer that waits for the poll is seconds late.
POLL_SECONDS = "5"
# A timer is due at its wake time; its resumed step commits within this much of it (a shell step and a claim,
# on a loaded 2-core machine). The old poll-bound wake-up was a second or more late.
LATENESS_BOUND = 0.4


@pytest.fixture
def slow_polling_tenant(tenant: Tenant, workers: WorkerPool) -> Tenant:
    """A tenant whose one worker polls only every few seconds."""
    workers.start(tenant.queue, HWE_WORKER_POLL_SECONDS=POLL_SECONDS)
    return tenant


def _submit(tenant: Tenant, definition: dict[str, Any], inputs: dict[str, Any], ends: str = "completed") -> str:
    response = tenant.submit(definition, inputs)
    assert response.status_code == 201, response.text
    run_id: str = response.json()["data"]["workflow_run_id"]
    run = tenant.wait_for_state(run_id, timeout=20)
    assert run["state"] == ends, run
    return run_id


def _checkpoints(tenant: Tenant, run_id: str) -> dict[str, dict[str, Any]]:
    return {item["step_name"]: item for item in _view(tenant, run_id, "checkpoints")["items"]}


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _nap_of(seconds: float) -> dict[str, Any]:
    definition = load("sleep_between_steps")
    definition["tasks"]["nap"]["wait_for"] = f"PT{seconds}S"
    return definition


def test_a_durable_sleep_resumes_within_the_bound_of_its_wake_time(slow_polling_tenant: Tenant, tmp_path: Path) -> None:
    run_id = _submit(slow_polling_tenant, _nap_of(1.5), {"dir": str(tmp_path)})

    checkpoints = _checkpoints(slow_polling_tenant, run_id)

    slept_at = _at(checkpoints["sleep:nap"]["created_at"])
    wake_at = _at(checkpoints["sleep:nap"]["value"]["wake_at"])
    resumed_at = _at(checkpoints["nap"]["created_at"])
    assert (wake_at - slept_at).total_seconds() == pytest.approx(1.5, abs=0.05)
    assert resumed_at >= wake_at
    assert (resumed_at - slept_at).total_seconds() <= 1.5 + LATENESS_BOUND


def test_a_sleep_shorter_than_the_last_claim_round_still_wakes_on_time(
    slow_polling_tenant: Tenant, tmp_path: Path
) -> None:
    # The worker's claim loop was already waiting when this run went to sleep: only the sleep's own
    # notification can tell it about a wake time before its next round.
    run_id = _submit(slow_polling_tenant, _nap_of(0.3), {"dir": str(tmp_path)})

    checkpoints = _checkpoints(slow_polling_tenant, run_id)

    wake_at = _at(checkpoints["sleep:nap"]["value"]["wake_at"])
    resumed_at = _at(checkpoints["nap"]["created_at"])
    assert 0 <= (resumed_at - wake_at).total_seconds() <= LATENESS_BOUND


def test_a_retry_back_off_of_one_second_is_over_within_the_bound(slow_polling_tenant: Tenant, tmp_path: Path) -> None:
    definition = load("flaky_task_with_retries")
    definition["tasks"]["flaky"]["retry_policy"] = {"max_retries": 3, "delay": "PT1S", "backoff_factor": 1.0}
    flaky = definition["tasks"]["flaky"]
    flaky["args"] = [flaky["args"][0].replace("-ge 3", "-ge 2")]  # fails once, then succeeds
    run_id = _submit(slow_polling_tenant, definition, {"dir": str(tmp_path)})

    checkpoints = _checkpoints(slow_polling_tenant, run_id)

    assert checkpoints["flaky"]["status"] == "error"
    backed_off_at = _at(checkpoints["sleep:retry:flaky"]["created_at"])
    wake_at = _at(checkpoints["sleep:retry:flaky"]["value"]["wake_at"])
    retried_at = _at(checkpoints["flaky#2"]["created_at"])
    assert (wake_at - backed_off_at).total_seconds() == pytest.approx(1.0, abs=0.05)
    assert checkpoints["flaky#2"]["status"] == "ok"
    assert (retried_at - backed_off_at).total_seconds() <= 1.0 + LATENESS_BOUND


def test_an_event_wait_times_out_within_the_bound_of_its_timeout(slow_polling_tenant: Tenant) -> None:
    definition = load("wait_for_approval_briefly")
    definition["tasks"]["approve"]["timeout_seconds"] = 1
    run_id = _submit(slow_polling_tenant, definition, {"order": "o1"}, ends="failed")  # a timed-out wait fails

    events = _view(slow_polling_tenant, run_id, "events")

    waiting_since = next(_at(a["created_at"]) for a in events["audit"] if a["event_type"] == "waiting")
    (received,) = events["received"]
    assert received["timed_out"] is True
    assert (_at(received["received_at"]) - waiting_since).total_seconds() <= 1.0 + LATENESS_BOUND


def test_replay_shows_the_wait_as_its_own_row_and_the_steps_after_it_with_their_own_short_durations(
    slow_polling_tenant: Tenant, tmp_path: Path
) -> None:
    run_id = _submit(slow_polling_tenant, _nap_of(1.5), {"dir": str(tmp_path)})

    timeline = _view(slow_polling_tenant, run_id, "replay")["timeline"]

    (sleep,) = [item for item in timeline if item["kind"] == "sleep"]
    steps = {item["step"]: item for item in timeline if item["kind"] == "step"}
    assert sleep["step"] == "nap"
    assert sleep["duration_seconds"] == pytest.approx(1.5, abs=0.05)
    # The wait task's own step resumes at the wake-up and the shell step after it is quick: neither is
    # charged the wait, nor the time a worker took to come back to the run.
    assert steps["nap"]["started_at"] >= sleep["until"]
    assert steps["nap"]["duration_seconds"] <= LATENESS_BOUND
    assert steps["after"]["started_at"] >= steps["nap"]["finished_at"]
    assert steps["after"]["duration_seconds"] <= LATENESS_BOUND
    assert timeline.index(sleep) < timeline.index(steps["nap"]) < timeline.index(steps["after"])


def test_hwe_replay_shows_the_wait_in_seconds_and_the_steps_after_it_in_milliseconds(
    slow_polling_tenant: Tenant, hwe: HweRunner, tmp_path: Path
) -> None:
    run_id = _submit(slow_polling_tenant, _nap_of(1.5), {"dir": str(tmp_path)})

    done = hwe(slow_polling_tenant, "replay", run_id)

    assert done.returncode == 0, done.stderr
    rows = [[cell.strip() for cell in line.split("│")[1:-1]] for line in done.stdout.splitlines() if "│" in line]
    durations = {(row[2], row[3]): row[5] for row in rows if len(row) > 5}
    # The wait is shown in seconds: its 1.5 s, less the few milliseconds its start's commit took under load.
    wait = durations[("sleep", "nap")]
    assert wait.endswith(" s") and float(wait.removesuffix(" s")) == pytest.approx(1.5, abs=0.05), wait
    assert durations[("step", "nap")].endswith(" ms")
    assert durations[("step", "after")].endswith(" ms")
