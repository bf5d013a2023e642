"""`hwe cancel`, `hwe retry`, `hwe emit`, `hwe replay` and `hwe monitor` as real subprocesses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.integration.cli.conftest import HweRunner
from tests.integration.conftest import Tenant, WorkerPool, wait_until
from tests.workflow_examples import load

UNKNOWN_RUN = "6f1c6f3a-0000-4000-8000-000000000000"


def _submit(tenant: Tenant, example: str = "three_shell_steps", inputs: dict[str, Any] | None = None) -> str:
    response = tenant.submit(load(example), inputs or {"name": "c"})
    assert response.status_code == 201, response.text
    run_id: str = response.json()["data"]["workflow_run_id"]
    return run_id


def test_cancel_cancels_a_run_that_has_not_finished(tenant: Tenant, hwe: HweRunner) -> None:
    run_id = _submit(tenant)

    done = hwe(tenant, "cancel", run_id)

    assert done.returncode == 0, done.stderr
    assert f"run {run_id} is cancelled" in done.stdout
    assert tenant.run(run_id)["state"] == "cancelled"


def test_cancel_of_a_finished_run_exits_1_with_not_cancellable(tenant: Tenant, hwe: HweRunner) -> None:
    run_id = _submit(tenant)
    hwe(tenant, "cancel", run_id)

    done = hwe(tenant, "cancel", run_id)

    assert done.returncode == 1
    assert "not_cancellable" in done.stderr


def test_cancel_with_a_viewer_key_exits_1_with_forbidden(tenant: Tenant, hwe: HweRunner) -> None:
    run_id = _submit(tenant)

    done = hwe(tenant, "cancel", run_id, key=tenant.new_key("viewer") if tenant.new_key else None)

    assert done.returncode == 1
    assert "forbidden" in done.stderr
    assert tenant.run(run_id)["state"] == "pending"


def test_retry_prints_the_new_run_id_of_a_cancelled_run(tenant: Tenant, hwe: HweRunner) -> None:
    run_id = _submit(tenant)
    hwe(tenant, "cancel", run_id)

    done = hwe(tenant, "retry", run_id)

    assert done.returncode == 0, done.stderr
    new_run_id = done.stdout.strip()
    assert new_run_id != run_id
    assert tenant.run(new_run_id)["state"] == "pending"


def test_retry_of_a_run_that_did_not_fail_exits_1_with_not_retryable(tenant: Tenant, hwe: HweRunner) -> None:
    done = hwe(tenant, "retry", _submit(tenant))

    assert done.returncode == 1
    assert "not_retryable" in done.stderr


def test_emit_wakes_a_run_waiting_for_the_event_with_its_payload(
    tenant: Tenant, workers: WorkerPool, hwe: HweRunner
) -> None:
    workers.start(tenant.queue)
    run_id = _submit(tenant, "wait_for_approval", {"order": "c1"})
    tenant.wait_for_state(run_id, ("waiting",), timeout=10)

    done = hwe(tenant, "emit", run_id, "approval_c1", "--payload", '{"by": "ada"}')
    run = tenant.wait_for_state(run_id, timeout=10)

    assert done.returncode == 0, done.stderr
    assert "woke 1 waiting run(s)" in done.stdout
    assert run["context"]["shipped"]["stdout"] == "shipped by ada"


def test_emit_with_a_payload_that_is_not_a_json_object_exits_2(tenant: Tenant, hwe: HweRunner) -> None:
    done = hwe(tenant, "emit", _submit(tenant), "evt", "--payload", "[1, 2]")

    assert done.returncode == 2
    assert "--payload must be a JSON object" in done.stderr


def test_emit_to_an_unknown_run_exits_1_with_not_found(tenant: Tenant, hwe: HweRunner) -> None:
    done = hwe(tenant, "emit", UNKNOWN_RUN, "evt")

    assert done.returncode == 1
    assert "not_found" in done.stderr


def test_replay_shows_steps_attempts_and_durations_in_time_order(
    running_tenant: Tenant, hwe: HweRunner, tmp_path: Path
) -> None:
    run_id = _submit(running_tenant, "flaky_task_with_retries", {"dir": str(tmp_path)})
    running_tenant.wait_for_state(run_id)

    done = hwe(running_tenant, "replay", run_id)

    assert done.returncode == 0, done.stderr
    out = done.stdout
    for text in ("submitted", "claimed", "step", "flaky", "sleep", "completed", "Outcome: completed", " ms"):
        assert text in out, text
    assert out.index("submitted") < out.index(" step ") < out.index("Outcome: completed")
    step_lines = [line for line in out.splitlines() if " step " in line and "flaky" in line]
    assert len(step_lines) == 3
    assert "error" in step_lines[0]
    assert "ok" in step_lines[2]


def test_replay_of_a_failed_run_ends_with_its_error(running_tenant: Tenant, hwe: HweRunner, tmp_path: Path) -> None:
    run_id = _submit(running_tenant, "failing_second_step", {"dir": str(tmp_path)})
    running_tenant.wait_for_state(run_id)

    done = hwe(running_tenant, "replay", run_id)

    assert "Outcome: failed" in done.stdout
    assert "in task break" in done.stdout


def test_replay_json_prints_the_apis_timeline(tenant: Tenant, hwe: HweRunner) -> None:
    run_id = _submit(tenant)

    replay = json.loads(hwe(tenant, "replay", run_id, "--json").stdout)

    assert replay["workflow_run_id"] == run_id
    assert [item["kind"] for item in replay["timeline"]] == ["submitted"]


def test_replay_of_an_unknown_run_exits_1_with_not_found(tenant: Tenant, hwe: HweRunner) -> None:
    done = hwe(tenant, "replay", UNKNOWN_RUN)

    assert done.returncode == 1
    assert "not_found" in done.stderr


def test_monitor_once_renders_one_frame_of_recent_runs_with_state_and_progress(
    running_tenant: Tenant, hwe: HweRunner
) -> None:
    finished = _submit(running_tenant)
    running_tenant.wait_for_state(finished)

    done = hwe(running_tenant, "monitor", "--once")

    assert done.returncode == 0, done.stderr
    assert finished in done.stdout
    assert "completed" in done.stdout
    assert "3/3" in done.stdout
    assert "1 recent run(s)" in done.stderr  # piped: the summary is for the person, the rows for the script


def test_monitor_once_state_filter_shows_only_that_state(tenant: Tenant, hwe: HweRunner) -> None:
    cancelled, pending = _submit(tenant), _submit(tenant)
    hwe(tenant, "cancel", cancelled)

    done = hwe(tenant, "monitor", "--once", "--state", "pending")

    assert pending in done.stdout
    assert cancelled not in done.stdout


def test_monitor_keeps_refreshing_until_interrupted_then_exits_0(tenant: Tenant, tmp_path: Path) -> None:
    run_id = _submit(tenant)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HWE_")}
    # A forced terminal makes rich draw each live frame as it goes, so the test can see the first one.
    env.update(
        {
            "HWE_API_URL": tenant.api_url,
            "HWE_API_KEY": tenant.key,
            "COLUMNS": "200",
            "TTY_COMPATIBLE": "1",
            "TERM": "xterm",
        }
    )
    output = tmp_path / "monitor.out"
    with output.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "hwe.cli.main", "monitor"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
    try:
        wait_until(lambda: run_id in output.read_text() or process.poll() is not None, 15, "the first monitor frame")
        assert run_id in output.read_text(), output.read_text()
        assert process.poll() is None  # still refreshing
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0, output.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
