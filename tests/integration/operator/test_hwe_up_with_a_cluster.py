"""`hwe up` with KUBECONFIG set: the development stack runs the Workflow operator too, against that cluster."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.integration.conftest import free_port, wait_until
from tests.integration.operator.conftest import EXAMPLES, Kube


def test_hwe_up_starts_the_operator_when_kubeconfig_is_set(kube: Kube, tmp_path: Path) -> None:
    state = tmp_path / "state"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HWE_")}
    env.update({"HWE_STATE_DIR": str(state), "HWE_API_PORT": str(free_port()), "KUBECONFIG": str(kube.kubeconfig)})
    log_path = tmp_path / "up.log"
    with log_path.open("wb") as log:
        up = subprocess.Popen(
            [sys.executable, "-m", "hwe.cli.main", "up"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_until(lambda: "operator ready" in log_path.read_text(), 90, "the operator to be ready")
        kube.apply(EXAMPLES / "hello.yaml")
        waited = kube.kubectl("wait", "--for=condition=Succeeded", "hwf/hello", "--timeout=60s", check=False)
    finally:
        up.send_signal(signal.SIGTERM)
        up.wait(timeout=60)

    text = log_path.read_text()
    assert "KUBECONFIG is set: starting the Workflow operator" in text
    assert waited.returncode == 0, waited.stderr + text[-3000:]
    assert kube.status("hello")["phase"] == "Succeeded"
    assert up.returncode == 0
