"""A worker paused past its lease (SIGSTOP) cannot write when it resumes: the new holder's result stands."""

from __future__ import annotations

import re
import signal
from pathlib import Path

import httpx
import pytest

from tests.integration.conftest import Tenant, WorkerPool, free_port, wait_until
from tests.workflow_examples import load


@pytest.mark.usefixtures("timeout_service")
def test_paused_worker_resumed_after_takeover_is_fenced_off(
    tenant: Tenant, workers: WorkerPool, tmp_path: Path
) -> None:
    metrics_port = free_port()
    zombie = workers.start(tenant.queue, lease_seconds=1.5, HWE_WORKER_METRICS_PORT=str(metrics_port))
    run_id = tenant.submit(load("report_worker_pid"), {"dir": str(tmp_path), "sleep": 2}).json()["data"][
        "workflow_run_id"
    ]
    starts = tmp_path / "starts.log"
    wait_until(lambda: starts.exists(), 10, "the step to start on the first worker")
    zombie.process.send_signal(signal.SIGSTOP)
    try:
        successor = workers.start(tenant.queue, lease_seconds=1.5)
        run = tenant.wait_for_state(run_id, timeout=30)
    finally:
        zombie.process.send_signal(signal.SIGCONT)

    assert run["state"] == "completed"
    assert run["context"]["who"]["stdout"] == str(successor.process.pid)
    assert starts.read_text().split() == [str(zombie.process.pid), str(successor.process.pid)]
    # The zombie wakes up, finds its step's subprocess done, and its checkpoint is refused.
    wait_until(lambda: "lost its lease" in zombie.log(), 15, "the zombie's write to be rejected")
    assert tenant.run(run_id)["context"]["who"]["stdout"] == str(successor.process.pid)
    assert tenant.run(run_id)["state"] == "completed"
    metrics = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics").text
    assert re.search(r"^hwe_fencing_rejections_total 1\.0$", metrics, re.M), metrics
    audit = tenant.client.get(f"/api/v1/workflows/{run_id}/events").json()["data"]["audit"]
    assert [r["detail"]["attempt"] for r in audit if r["event_type"] == "fenced_write_rejected"] == [1]
