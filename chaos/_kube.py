"""The cluster the Workflow operator reconciles: the operator tests' Kubernetes API emulator, and a real kubectl.

No kube-apiserver runs offline here, so the harness starts the emulator of tests/integration/operator (on kmock,
serving the Workflow CRD) and writes a kubeconfig for it; `hwe up` then starts the operator against it. The
emulator is not a fault target: it stands for the cluster, which the engine's chaos does not attack.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
CRD_PATH = REPO_ROOT / "k8s" / "crd" / "workflows.highway.dev.yaml"
KUBECTL = str(Path(sys.executable).parent / "kubectl")
READY_TIMEOUT_SECONDS = 60.0


class Cluster:
    """One emulated cluster in `directory`: `start`, `apply` and `workflows`, then `stop`."""

    def __init__(self, directory: Path, port: int) -> None:
        self.directory, self.port = directory, port
        self.kubeconfig = directory / "kubeconfig"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Starts the emulator and writes the kubeconfig; returns once it listens.

        Raises:
            RuntimeError: the emulator did not start (its log says why).
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        ready = self.directory / "emulator.ready"
        log_path = self.directory / "emulator.log"
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.integration.operator.kube_emulator",
                    "--port",
                    str(self.port),
                    "--crd",
                    str(CRD_PATH),
                    "--ready-file",
                    str(ready),
                ],
                cwd=REPO_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while not ready.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Kubernetes emulator did not start; see {log_path}")
            time.sleep(0.1)
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "emulator", "cluster": {"server": f"http://127.0.0.1:{self.port}"}}],
            "users": [{"name": "chaos", "user": {"token": "emulator-accepts-any-token"}}],
            "contexts": [{"name": "emulator", "context": {"cluster": "emulator", "user": "chaos"}}],
            "current-context": "emulator",
        }
        self.kubeconfig.write_text(yaml.safe_dump(config))

    def kubectl(self, *args: str) -> str:
        """Runs kubectl against the cluster; its stdout.

        Raises:
            RuntimeError: kubectl failed.
        """
        result = subprocess.run(
            [KUBECTL, "--kubeconfig", str(self.kubeconfig), *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"kubectl {args[0]}: {result.stderr.strip()[:300]}")
        return result.stdout

    def apply(self, manifest: dict[str, Any]) -> None:
        """`kubectl apply` of one resource (written to a file in the cluster's directory)."""
        path = self.directory / f"{manifest['metadata']['name']}.yaml"
        path.write_text(yaml.safe_dump(manifest))
        # The emulator serves no OpenAPI document, which client-side validation needs.
        self.kubectl("apply", "--validate=false", "-f", str(path))

    def workflows(self) -> dict[str, dict[str, Any]]:
        """Every Workflow resource of the default namespace, by name."""
        items = json.loads(self.kubectl("get", "hwf", "-o", "json"))["items"]
        return {item["metadata"]["name"]: item for item in items}

    def stop(self) -> None:
        """Stops the emulator."""
        if self.process is not None:
            terminate(self.process, 15)


def terminate(process: subprocess.Popen[bytes], grace_seconds: float) -> None:
    """Stops a process of the harness: SIGTERM, then SIGKILL once `grace_seconds` have passed."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
