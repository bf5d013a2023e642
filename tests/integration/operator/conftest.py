"""The operator's test bench: a Kubernetes API emulator driven by a real kubectl, and real operator processes.

No kube-apiserver can run offline here, so each test gets its own emulator (kube_emulator.py, on kmock) serving
the Workflow CRD from k8s/crd; kubectl and the operator talk to it over HTTP as they would to a cluster. The
operator gets no database URL: it reaches the engine only through the real API.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.conftest import STARTUP_TIMEOUT, Service, ServicePool, Tenant, free_port, wait_until

REPOSITORY = Path(__file__).resolve().parents[3]
CRD_PATH = REPOSITORY / "k8s" / "crd" / "workflows.highway.dev.yaml"
EXAMPLES = REPOSITORY / "k8s" / "examples"
KUBECTL = str(Path(sys.executable).parent / "kubectl")
TERMINAL_PHASES = ("Succeeded", "Failed", "Cancelled")


@dataclass
class Kube:
    """One emulated cluster and a kubectl configured for it."""

    url: str
    kubeconfig: Path
    directory: Path
    applied: int = 0

    def kubectl(self, *args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [KUBECTL, "--kubeconfig", str(self.kubeconfig), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check:
            assert result.returncode == 0, f"kubectl {' '.join(args)}: {result.stdout}{result.stderr}"
        return result

    def apply(self, manifest: dict[str, Any] | str | Path, namespace: str = "default") -> str:
        """`kubectl apply` of a file, a YAML text or an object; returns kubectl's output."""
        if isinstance(manifest, Path):
            path = manifest
        else:
            self.applied += 1
            path = self.directory / f"manifest-{self.applied}.yaml"
            path.write_text(manifest if isinstance(manifest, str) else yaml.safe_dump(manifest))
        # The emulator serves no OpenAPI document, which client-side validation needs.
        return self.kubectl("apply", "--validate=false", "-n", namespace, "-f", str(path)).stdout

    def get(self, name: str, namespace: str = "default", kind: str = "hwf") -> dict[str, Any] | None:
        result = self.kubectl("get", kind, name, "-n", namespace, "-o", "json", check=False)
        if result.returncode != 0:
            assert "NotFound" in result.stderr or "not found" in result.stderr, result.stderr
            return None
        found: dict[str, Any] = json.loads(result.stdout)
        return found

    def status(self, name: str, namespace: str = "default") -> dict[str, Any]:
        """The resource's status (empty before the operator wrote one)."""
        found = self.get(name, namespace)
        assert found is not None, f"workflow {name} does not exist"
        status: dict[str, Any] = found.get("status") or {}
        return status

    def wait_for_status(
        self,
        name: str,
        check: Callable[[dict[str, Any]], Any],
        message: str,
        timeout: float = 45,
        namespace: str = "default",
    ) -> dict[str, Any]:
        return wait_until(
            lambda: (s := self.status(name, namespace)) and check(s) and s, timeout, message, interval=0.2
        )

    def wait_finished(self, name: str, timeout: float = 45, namespace: str = "default") -> dict[str, Any]:
        finished = f"{name} to finish"
        return self.wait_for_status(name, lambda s: s.get("phase") in TERMINAL_PHASES, finished, timeout, namespace)

    def events(self, namespace: str = "default") -> list[dict[str, Any]]:
        """The namespace's Events, oldest first."""
        listed = json.loads(self.kubectl("get", "events", "-n", namespace, "-o", "json").stdout)["items"]
        items: list[dict[str, Any]] = sorted(listed, key=lambda e: int(e["metadata"]["resourceVersion"]))
        return items


def condition(status: dict[str, Any], kind: str) -> dict[str, Any]:
    """The condition of that type in a status (empty when absent)."""
    return next((c for c in status.get("conditions") or [] if c["type"] == kind), {})


def workflow(name: str, definition: dict[str, Any], inputs: dict[str, Any] | None = None, **spec: Any) -> dict:
    """A Workflow resource with an inline definition, written as a person would: without null fields."""
    return {
        "apiVersion": "highway.dev/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name},
        "spec": {"definition": without_nulls(definition), "inputs": inputs or {}, **spec},
    }


def without_nulls(value: Any) -> Any:
    """The value with every null field left out (a merge patch would read a null as "delete")."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def runs_named(tenant: Tenant, name: str) -> list[dict[str, Any]]:
    """Every run of the tenant with this workflow name."""
    response = tenant.client.get("/api/v1/workflows", params={"name": name, "limit": 200})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["data"]["items"]
    return items


def start_emulator(directory: Path) -> tuple[Service, str]:
    port = free_port()
    ready = directory / "emulator.ready"
    service = start_emulator_process(port, ready, directory)
    wait_until(lambda: ready.exists() or service.process.poll() is not None, STARTUP_TIMEOUT, "the emulator")
    assert service.process.poll() is None, service.log()
    return service, f"http://127.0.0.1:{port}"


def start_emulator_process(port: int, ready: Path, directory: Path) -> Service:
    log_path = directory / "emulator.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.integration.operator.kube_emulator",
                "--port",
                str(port),
                "--crd",
                str(CRD_PATH),
                "--ready-file",
                str(ready),
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            cwd=REPOSITORY,
        )
    return Service(process, log_path)


def write_kubeconfig(path: Path, url: str) -> None:
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "emulator", "cluster": {"server": url}}],
                "users": [{"name": "tester", "user": {"token": "emulator-accepts-any-token"}}],
                "contexts": [{"name": "emulator", "context": {"cluster": "emulator", "user": "tester"}}],
                "current-context": "emulator",
            }
        )
    )


@pytest.fixture
def kube(tmp_path: Path) -> Iterator[Kube]:
    """A fresh emulated cluster for this test."""
    directory = tmp_path / "kube"
    directory.mkdir()
    service, url = start_emulator(directory)
    kubeconfig = directory / "kubeconfig"
    write_kubeconfig(kubeconfig, url)
    try:
        yield Kube(url, kubeconfig, directory)
    finally:
        service.stop()


class Operators(ServicePool):
    """Operator processes of one test, against its emulator and the engine API."""

    def __init__(self, kube: Kube, env: dict[str, str], directory: Path) -> None:
        settings = {"KUBECONFIG": str(kube.kubeconfig), "HWE_OPERATOR_SYNC_SECONDS": "0.5"}
        super().__init__("services.operator", "HWE_OPERATOR_HEALTH_FILE", {**env, **settings}, directory)

    def start(self, api_key: str | None, api_url: str, **settings: str) -> Service:  # type: ignore[override]
        key = {} if api_key is None else {"HWE_OPERATOR_API_KEY": api_key}
        return super().start(HWE_OPERATOR_API_URL=api_url, **key, **settings)

    def start_for(self, tenant: Tenant, **settings: str) -> Service:
        """An operator with an operator-role key of the tenant, against the session's API."""
        assert tenant.new_key is not None
        return self.start(tenant.new_key("operator"), tenant.api_url, **settings)


@pytest.fixture
def operators(kube: Kube, service_env: dict[str, str], tmp_path: Path) -> Iterator[Operators]:
    """Starts operators for the test's cluster; stops them after it. They get no database URL."""
    env = {k: v for k, v in service_env.items() if k != "HWE_DATABASE_URL"}
    pool = Operators(kube, env, tmp_path)
    try:
        yield pool
    finally:
        pool.stop_all()
