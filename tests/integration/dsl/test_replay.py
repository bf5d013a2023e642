"""A worker killed in the middle of a foreach: the resumed run does not repeat finished iterations."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.conftest import Tenant, WorkerPool
from tests.workflow_examples import load


@pytest.mark.usefixtures("timeout_service")
def test_kill_mid_foreach_replays_finished_iterations_from_their_checkpoints(
    tenant: Tenant, workers: WorkerPool, tmp_path: Path
) -> None:
    marker = tmp_path / "killed"
    hook = f"if [ ! -e {marker} ]; then touch {marker}; kill -9 $PPID; sleep 5; fi"
    doomed = workers.start(tenant.queue, lease_seconds=2)
    inputs = {"dir": str(tmp_path), "items": ["a", "b", "c"], "crash_on": "b", "hook": hook}
    run_id = tenant.submit(load("foreach_with_crash_hook"), inputs).json()["data"]["workflow_run_id"]
    doomed.process.wait(timeout=20)
    assert doomed.process.returncode == -9

    workers.start(tenant.queue, lease_seconds=2)
    run = tenant.wait_for_state(run_id, timeout=30)

    assert run["state"] == "completed", run
    # "a" finished before the crash and is not run again; "b" was in flight, so it runs twice.
    assert (tmp_path / "work.log").read_text().split() == ["a", "b", "b", "c"]
