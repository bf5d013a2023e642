"""Following a run: `hwe submit --wait`, `hwe status ID --wait` and `hwe watch ID`, Ctrl-C and stalled runs."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from tests.integration.cli.conftest import HweRunner, TerminalRunner
from tests.integration.conftest import Tenant, wait_until
from tests.workflow_examples import load

EXAMPLES = Path(__file__).parents[2] / "workflow_examples"
NO_WORKER = "is a worker serving this queue?"


def _start(tenant: Tenant, tmp_path: Path, *args: str) -> tuple[subprocess.Popen[bytes], Path, Path]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HWE_")}
    env.update({"HWE_API_URL": tenant.api_url, "HWE_API_KEY": tenant.key, "XDG_CONFIG_HOME": str(tmp_path)})
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "hwe.cli.main", *args], env=env, stdout=stdout, stderr=stderr, cwd=tmp_path
        )
    return process, out, err


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()


def test_ctrl_c_in_submit_wait_exits_130_with_one_line_and_the_run_goes_on(tenant: Tenant, tmp_path: Path) -> None:
    process, out, err = _start(
        tenant, tmp_path, "submit", str(EXAMPLES / "three_shell_steps.py"), "--input", "name=c", "--wait"
    )
    try:
        run_id = wait_until(lambda: out.read_text().strip(), 30, "the run id on stdout")
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 130
    finally:
        _stop(process)
    # Piped, the progress line of the run may come first, depending on when the signal lands.
    lines = err.read_text().strip().splitlines()
    assert lines[-1] == f"stopped following run {run_id}; it goes on: hwe status {run_id} --wait"
    assert lines[:-1] in ([], [f"run {run_id}: pending (0/3 steps)"]), lines
    assert tenant.run(run_id)["state"] == "pending"


def test_status_wait_of_a_run_no_worker_serves_shows_the_diagnosis(tenant: Tenant, tmp_path: Path) -> None:
    run_id = tenant.submit(load("three_shell_steps"), {"name": "d"}).json()["data"]["workflow_run_id"]
    process, _out, err = _start(tenant, tmp_path, "status", run_id, "--wait")
    try:
        wait_until(lambda: NO_WORKER in err.read_text(), 20, "the diagnosis of the stalled run")
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 130
    finally:
        _stop(process)
    lines = err.read_text().splitlines()
    assert lines[0] == f"run {run_id}: pending (0/3 steps)"
    reason = re.escape(f"ready and waiting for a worker: {NO_WORKER}")
    assert re.fullmatch(rf"run {run_id}: no progress for \d+ s: {reason}", lines[1]), lines


def test_submit_wait_on_a_terminal_shows_the_diagnosis_under_the_progress_bar(
    tenant: Tenant, hwe_tty: TerminalRunner
) -> None:
    status, output = hwe_tty(
        tenant,
        "submit",
        str(EXAMPLES / "three_shell_steps.py"),
        "--input",
        "name=t",
        "--wait",
        on_output=lambda text: NO_WORKER in text,
    )

    assert status == 130, output
    assert NO_WORKER in output.replace("\n", "")  # under the bar, wrapped at 80 columns
    assert "Traceback" not in output
    assert "stopped following run" in output


def test_watch_follows_a_run_until_it_completes_and_exits_0(running_tenant: Tenant, hwe: HweRunner) -> None:
    run_id = running_tenant.submit(load("three_shell_steps"), {"name": "w"}).json()["data"]["workflow_run_id"]

    done = hwe(running_tenant, "watch", run_id)

    assert done.returncode == 0, done.stderr
    assert "completed" in done.stdout
    assert "3/3 steps" in done.stdout


def test_status_wait_of_a_failed_run_exits_1(running_tenant: Tenant, hwe: HweRunner) -> None:
    run_id = running_tenant.submit(load("failing_second_step"), {}).json()["data"]["workflow_run_id"]

    done = hwe(running_tenant, "status", run_id, "--wait")

    assert done.returncode == 1, done.stderr
    assert "failed" in done.stdout


def test_status_of_a_run_waiting_for_an_event_names_the_step_it_waits_in(
    running_tenant: Tenant, hwe: HweRunner
) -> None:
    run_id = running_tenant.submit(load("wait_for_approval"), {"order": "o1"}).json()["data"]["workflow_run_id"]
    running_tenant.wait_for_state(run_id, ("waiting",))

    done = hwe(running_tenant, "status", run_id)

    assert re.search(r"Current step\s+approve\b", done.stdout), done.stdout
    assert running_tenant.run(run_id)["current_step"] == "approve"


def test_a_sleeping_run_names_the_wait_step_not_the_step_before_it(running_tenant: Tenant, tmp_path: Path) -> None:
    run_id = running_tenant.submit(load("sleep_between_steps"), {"dir": str(tmp_path)}).json()["data"][
        "workflow_run_id"
    ]

    sleeping = running_tenant.wait_for_state(run_id, ("sleeping",))

    assert sleeping["current_step"] == "nap"
