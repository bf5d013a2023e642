"""Renders the Helm chart's defaults into the kustomize base k8s/base/, one file per object.

Run by `make manifests` after a chart change; tests/deploy/test_manifests.py checks the committed files equal a
fresh render. The base is the chart with its default values, except what only Helm understands: migrations are a
plain Job (no hook), there is no `helm test` pod, and the Helm bookkeeping labels are dropped (k8s/kustomization.yaml
adds its own). Usage: `python scripts/render_manifests.py [--out DIR]` (default k8s/base).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import helm_python as helm
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHART = ROOT / "charts" / "highway"
BASE = ROOT / "k8s" / "base"
RELEASE = NAMESPACE = "highway"
# Values that differ from the chart's defaults, because kustomize has no hooks and runs no `helm test`.
OVERRIDES: dict[str, Any] = {"migrations": {"useHelmHooks": False}, "helmTest": {"enabled": False}}
HELM_LABELS = ("helm.sh/chart", "app.kubernetes.io/managed-by")
HEADER = "# Generated from charts/highway by scripts/render_manifests.py: do not edit, run `make manifests`.\n"


class _Dumper(yaml.SafeDumper):
    """Writes multi-line strings (config.ini, scripts) as literal blocks, so the files read like the chart."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _str)


def rendered_objects() -> list[dict[str, Any]]:
    """The chart's objects with the base's values, Helm's own labels removed, in render order."""
    chart = helm.Chart.load(str(CHART))
    templates = chart.render(OVERRIDES, name=RELEASE, namespace=NAMESPACE, is_install=True)
    objects: list[dict[str, Any]] = []
    for path, text in sorted(templates.items()):
        if path.endswith((".yaml", ".yml")):
            objects.extend(_without_helm_labels(doc) for doc in yaml.safe_load_all(text) if doc)
    return objects


def _without_helm_labels(obj: dict[str, Any]) -> dict[str, Any]:
    for metadata in (obj.get("metadata"), ((obj.get("spec") or {}).get("template") or {}).get("metadata")):
        labels = (metadata or {}).get("labels") or {}
        for label in HELM_LABELS:
            labels.pop(label, None)
    return obj


def file_name(obj: dict[str, Any]) -> str:
    """`<kind>-<name>.yaml`, lower case, e.g. `deployment-highway-api.yaml`."""
    namespace = obj["metadata"].get("namespace")
    stem = f"{obj['kind']}-{namespace + '-' if namespace else ''}{obj['metadata']['name']}".lower()
    return re.sub(r"[^a-z0-9.-]", "-", stem) + ".yaml"


def write_base(out: Path) -> list[str]:
    """Writes one YAML file per object and a kustomization.yaml listing them into `out`; returns the file names.

    The YAML files already in `out` are deleted first, so an object the chart no longer renders disappears.
    """
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("*.yaml"):
        stale.unlink()
    names: list[str] = []
    for obj in rendered_objects():
        name = file_name(obj)
        if name in names:
            raise SystemExit(f"two rendered objects map to {name}")
        names.append(name)
        (out / name).write_text(HEADER + yaml.dump(obj, Dumper=_Dumper, sort_keys=True, width=120))
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": sorted(names),
    }
    (out / "kustomization.yaml").write_text(HEADER + yaml.safe_dump(kustomization, sort_keys=False))
    return names


def main() -> None:
    """Parses the arguments and writes the base."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=BASE, help="directory to (re)create; default k8s/base")
    write_base(parser.parse_args().out)


if __name__ == "__main__":
    main()
