"""`hwe up`: the whole development stack from nothing, and a clean stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.integration.conftest import free_port, wait_until
from tests.integration.dev import alive
from tests.workflow_examples import load


def test_hwe_up_starts_embedded_postgres_and_every_service_then_stops_them_all(tmp_path: Path) -> None:
    state = tmp_path / "state"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HWE_") and k != "KUBECONFIG"}
    env.update({"HWE_STATE_DIR": str(state), "HWE_API_PORT": str(port), "HWE_WORKERS": "2"})
    log_path = tmp_path / "up.log"
    with log_path.open("wb") as log:
        up = subprocess.Popen(
            [sys.executable, "-m", "hwe.cli.main", "up"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_until(lambda: "worker-2 ready" in log_path.read_text(), 60, "the stack to report ready")
        text = log_path.read_text()
        assert f"api ready at http://127.0.0.1:{port}" in text
        assert "worker-1 ready" in text
        assert "scheduler ready" in text
        assert "timeout ready" in text
        assert "audit ready" in text
        assert "KUBECONFIG is not set: the Workflow operator is not started" in text
        pids = {
            name: int((state / "run" / f"{name}.pid").read_text())
            for name in ("api", "scheduler", "timeout", "audit", "worker-1", "worker-2")
        }
        assert all(alive(pid) for pid in pids.values())
        assert (state / "database-url").read_text().startswith("postgresql://")

        key = (state / "dev-api-key").read_text().strip()
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {key}"}) as client:
            response = client.post(
                "/api/v1/workflows", json={"workflow_definition": load("three_shell_steps"), "inputs": {"name": "dev"}}
            )
            assert response.status_code == 201, response.text
            run_id = response.json()["data"]["workflow_run_id"]
            run = wait_until(
                lambda: (r := client.get(f"/api/v1/workflows/{run_id}").json()["data"])["state"] == "completed" and r,
                30,
                "the run to complete",
            )
        assert run["context"]["shouted"]["stdout"] == "HELLO DEV"
    finally:
        up.send_signal(signal.SIGTERM)
        up.wait(timeout=60)

    assert up.returncode == 0, log_path.read_text()
    assert not any(alive(pid) for pid in pids.values())
    assert "stack stopped" in log_path.read_text()
