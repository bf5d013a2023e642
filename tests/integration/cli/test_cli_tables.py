"""`hwe list` and `hwe monitor` at the terminal: 80 and 200 columns (a real pseudo-terminal) and piped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.integration.cli.conftest import HweRunner, TerminalRunner
from tests.integration.conftest import Tenant, wait_until
from tests.workflow_examples import load

BOX_CHARACTERS = set("┏┃┡│└━─╇┩┳┴")


def _submit(tenant: Tenant, example: str = "three_shell_steps") -> str:
    run_id: str = tenant.submit(load(example), {"name": "s"}).json()["data"]["workflow_run_id"]
    return run_id


def _row_of(output: str, text: str) -> str:
    return next(line for line in output.splitlines() if text in line)


def test_list_on_an_80_column_terminal_fits_each_run_on_one_line_with_a_short_id(
    tenant: Tenant, hwe_tty: TerminalRunner
) -> None:
    run_id = _submit(tenant)

    status, output = hwe_tty(tenant, "list", columns=80)

    assert status == 0, output
    assert all(len(line) <= 80 for line in output.splitlines()), output
    row = _row_of(output, run_id[:8])
    assert run_id not in output
    assert "three_shell_steps" in row and "pending" in row and "0/3" in row


def test_list_on_a_200_column_terminal_shows_full_ids_and_every_column(tenant: Tenant, hwe_tty: TerminalRunner) -> None:
    run_id = _submit(tenant)

    status, output = hwe_tty(tenant, "list", columns=200)

    assert status == 0, output
    assert all(len(line) <= 200 for line in output.splitlines()), output
    assert "Created" in output and "Current step" in output
    assert "pending" in _row_of(output, run_id)


def test_list_output_wide_on_an_80_column_terminal_shows_every_column_in_full(
    tenant: Tenant, hwe_tty: TerminalRunner
) -> None:
    run_id = _submit(tenant)

    status, output = hwe_tty(tenant, "list", "-o", "wide", columns=80)

    assert status == 0, output
    flat = output.replace("\n", "")  # the terminal wraps what is wider than it
    assert run_id in flat
    assert "Version" in flat and "Finished" in flat and "Created" in flat


def test_list_piped_prints_a_header_then_one_plain_line_per_run(tenant: Tenant, hwe: HweRunner) -> None:
    first, second = _submit(tenant), _submit(tenant)

    done = hwe(tenant, "list")

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["RUN", "WORKFLOW", "STATE", "PROGRESS", "CURRENT_STEP", "CREATED"]
    assert [line.split()[0] for line in lines[1:]] == [second, first]
    assert all(len(line.split()) == 6 for line in lines)
    assert not BOX_CHARACTERS & set(done.stdout)
    assert "\x1b" not in done.stdout


def test_list_hides_child_runs_unless_all_which_shows_their_parent(running_tenant: Tenant, hwe: HweRunner) -> None:
    parent = running_tenant.submit(load("parallel_fan_out"), {"fail_b": 0}).json()["data"]["workflow_run_id"]
    running_tenant.wait_for_state(parent)
    listed = running_tenant.client.get("/api/v1/workflows").json()["data"]["items"]
    children = [item["workflow_run_id"] for item in listed if item["parent_run_id"] == parent]
    assert children, listed

    default = hwe(running_tenant, "list")
    everything = hwe(running_tenant, "list", "--all")

    assert [line.split()[0] for line in default.stdout.splitlines()[1:]] == [parent]
    assert everything.stdout.splitlines()[0].split()[-1] == "PARENT"
    for child in children:
        assert _row_of(everything.stdout, child).split()[-1] == parent


def test_monitor_on_an_80_column_terminal_never_cuts_the_state(running_tenant: Tenant, hwe_tty: TerminalRunner) -> None:
    run_id = _submit(running_tenant)
    running_tenant.wait_for_state(run_id)

    status, output = hwe_tty(running_tenant, "monitor", "--once", columns=80)

    assert status == 0, output
    assert all(len(line) <= 80 for line in output.splitlines()), output
    assert "completed" in _row_of(output, run_id[:8])
    assert "3/3" in _row_of(output, run_id[:8])


def test_monitor_piped_prints_the_runs_then_a_line_for_each_change(tenant: Tenant, tmp_path: Path) -> None:
    run_id = _submit(tenant)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HWE_")}
    env.update({"HWE_API_URL": tenant.api_url, "HWE_API_KEY": tenant.key, "XDG_CONFIG_HOME": str(tmp_path)})
    output = tmp_path / "monitor.out"
    with output.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "hwe.cli.main", "monitor"],
            env=env,
            stdout=out,
            stderr=subprocess.DEVNULL,
            cwd=tmp_path,
        )
    try:
        wait_until(lambda: run_id in output.read_text(), 15, "the monitor's first table")
        assert tenant.client.post(f"/api/v1/workflows/{run_id}/cancel").status_code == 200
        wait_until(lambda: "cancelled" in output.read_text(), 15, "the monitor's line for the change")
    finally:
        process.kill()
        process.wait()
    lines = output.read_text().splitlines()
    assert lines[0].split()[:3] == ["RUN", "WORKFLOW", "STATE"]
    assert [line.split()[2] for line in lines[1:]] == ["pending", "cancelled"]
    assert all(line.split()[0] == run_id for line in lines[1:])
