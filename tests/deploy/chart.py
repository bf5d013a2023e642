"""Renders charts/highway offline (Helm's v4 Go SDK through helm_python) for the deployment tests of every slice.

`render` returns every object the chart's templates produce, as dicts, in a stable order; the CRDs from `crds/` only
when asked. Values files are merged in order, then `values` over them, as `helm template -f a -f b --set ...` does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import helm_python as helm
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "highway"
CI_VALUES = sorted((CHART / "ci").glob("*.yaml"))
RELEASE = "highway"
NAMESPACE = "highway"


@cache
def _chart() -> helm.Chart:
    return helm.Chart.load(str(CHART))


def merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Helm's values merge: maps merge key by key, anything else (lists too) is replaced."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def user_values(values: Mapping[str, Any] | None = None, values_files: Iterable[Path] = ()) -> dict[str, Any]:
    """The values a user passes: the files' contents in order, then `values`."""
    merged: dict[str, Any] = {}
    for path in values_files:
        merged = merge(merged, yaml.safe_load(Path(path).read_text()) or {})
    return merge(merged, values or {})


def render_templates(
    values: Mapping[str, Any] | None = None, values_files: Iterable[Path] = (), *, is_upgrade: bool = False
) -> dict[str, str]:
    """Template path → rendered YAML text, as Helm renders it (the schema is checked first)."""
    chart = _chart()
    merged = user_values(values, values_files)
    chart.validate_schema(merged)
    return chart.render(merged, name=RELEASE, namespace=NAMESPACE, is_install=not is_upgrade, is_upgrade=is_upgrade)


def render(
    values: dict[str, Any] | None = None,
    values_files: Iterable[Path] = (),
    *,
    include_crds: bool = False,
    include_tests: bool = True,
) -> list[dict[str, Any]]:
    """Every object the chart renders with these values, ordered by template path then position.

    Args:
        values: values set over the files (like `--set`).
        values_files: values files merged in order (like `-f`).
        include_crds: also return the CRDs of `crds/` (Helm installs them before anything else).
        include_tests: keep the `helm test` hook pods (templates/tests/).
    """
    objects: list[dict[str, Any]] = []
    if include_crds:
        for crd in sorted(_chart().crds, key=lambda c: c["name"]):
            objects.extend(doc for doc in yaml.safe_load_all(crd["data"]) if doc)
    for path, text in sorted(render_templates(values, values_files).items()):
        if not path.endswith((".yaml", ".yml")) or (not include_tests and "/templates/tests/" in path):
            continue
        objects.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return objects


def of_kind(objects: Iterable[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """The objects of one kind, in render order."""
    return [o for o in objects if o.get("kind") == kind]
