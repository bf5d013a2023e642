"""kill -9 of the worker at each boundary of a step: what runs again and what does not.

The step itself kills its worker (`kill -9 $PPID` from the shell, once, guarded by a marker
file), so the crash lands exactly at the chosen boundary. A second worker finishes the run once
the dead worker's lease (2 s) has expired.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.conftest import Tenant, WorkerPool
from tests.workflow_examples import load


def _lines(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


def _kill_worker_once(directory: Path) -> str:
    marker = directory / "killed"
    # exit at once: the orphaned shell must not go on to write the step's side effect later.
    return f"if [ ! -e {marker} ]; then touch {marker}; kill -9 $PPID; exit 0; fi"


@pytest.mark.usefixtures("timeout_service")
@pytest.mark.parametrize(
    ("boundary", "second_runs", "third_runs"),
    [
        # Crash before the step's side effect: the step runs once, on the second worker.
        ("before_side_effect", 1, 1),
        # Crash after the side effect, before its checkpoint commits: the step runs again
        # (at least once), so its side effect happens twice.
        ("after_side_effect_before_commit", 2, 1),
        # Crash after the step's checkpoint committed (at the start of the next step): the
        # committed step is replayed from its checkpoint and not run again.
        ("after_commit", 1, 1),
    ],
)
def test_kill_at_a_step_boundary_repeats_only_uncommitted_work(
    tenant: Tenant, workers: WorkerPool, tmp_path: Path, boundary: str, second_runs: int, third_runs: int
) -> None:
    kill = _kill_worker_once(tmp_path)
    hooks = {"before": "true", "after": "true", "third": "true"}
    hooks[
        {"before_side_effect": "before", "after_side_effect_before_commit": "after", "after_commit": "third"}[boundary]
    ] = kill
    doomed = workers.start(tenant.queue, lease_seconds=2)
    run_id = tenant.submit(load("three_steps_with_hooks"), {"dir": str(tmp_path), **hooks}).json()["data"][
        "workflow_run_id"
    ]
    doomed.process.wait(timeout=20)
    assert doomed.process.returncode == -9

    workers.start(tenant.queue, lease_seconds=2)
    run = tenant.wait_for_state(run_id, timeout=30)

    assert run["state"] == "completed", run
    assert _lines(tmp_path / "first.log") == 1
    assert _lines(tmp_path / "second.log") == second_runs
    assert _lines(tmp_path / "third.log") == third_runs
    assert run["progress"] == {"completed": 3, "total": 3}
