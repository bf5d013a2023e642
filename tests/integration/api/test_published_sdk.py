"""The published `highway` Driver SDK (through stabilize 0.12.2) runs a workflow end to end on our API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

from tests.integration.conftest import Tenant, WorkerPool

with warnings.catch_warnings():
    # stabilize's dependencies import a deprecated anyio alias; the SDK itself runs in a subprocess.
    warnings.simplefilter("ignore", DeprecationWarning)
    pytest.importorskip("highway.driver", reason="the published highway SDK is not installed: pip install -e '.[sdk]'")
    pytest.importorskip("stabilize", reason="stabilize==0.12.2 (the highway SDK's runner) is not installed")

# The Driver reads each task's body from its source, so the workflow lives in a file.
DRIVER_SCRIPT = textwrap.dedent(
    """
    import json

    from highway import Driver

    driver = Driver(name="sdk_two_shell_tasks")


    @driver.task(shell=True)
    def greet():
        return "printf hello"


    @driver.task(shell=True, depends=["greet"])
    def finish():
        return "printf sdk-done"


    result = driver.run(timeout=120)
    print("RESULT " + json.dumps({"status": result.status, "run_id": result.run_id, "error": result.error}))
    """
)


def test_driver_sdk_workflow_of_two_shell_tasks_completes_against_the_real_api(
    tenant: Tenant, workers: WorkerPool, tmp_path: Path
) -> None:
    workers.start(tenant.queue)
    script = tmp_path / "driver_workflow.py"
    script.write_text(DRIVER_SCRIPT)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HWE_", "HIGHWAY_"))}
    assert tenant.new_key is not None
    env.update({"HIGHWAY_API_ENDPOINT": tenant.api_url, "HIGHWAY_API_KEY": tenant.new_key("operator")})

    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=110
    )

    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    assert result["status"] == "completed", result
    run = tenant.run(result["run_id"])
    assert run["state"] == "completed"
    assert run["workflow_name"] == "sdk_two_shell_tasks"
    assert run["result"]["output"]["stdout"] == "sdk-done"
    assert (tmp_path / "stabilize.db").exists()
