"""What the monitoring tests read: the chart's rendered alert rules, the dashboards' queries, and promtool.

promtool comes from the Debian `prometheus` package (the Makefile's test target installs it); a test that needs it
fails, never skips, when it is missing.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from tests.deploy import chart

ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = ROOT / "charts" / "highway" / "files" / "dashboards"
ALERT_TESTS = Path(__file__).parent / "alerts_test.yml"
OPERATIONS = ROOT / "docs" / "operations.md"

# Grafana's variables as a query would see them once substituted, so that promtool can parse the query.
_GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$namespace": "highway", "$queue": "default", "${datasource}": "x"}
# A metric name is a word followed by a selector or a range; label names inside braces are not followed by one.
_METRIC = re.compile(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?=\{|\[)")
# Series Prometheus makes itself rather than scraping them from a service.
PROMETHEUS_MADE = frozenset({"up"})
_HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def promtool(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Runs promtool; fails the test when it is not installed (make test installs it)."""
    binary = shutil.which("promtool")
    assert binary, "promtool is missing: apt-get install -y --no-install-recommends prometheus (make test does)"
    return subprocess.run([binary, *args], capture_output=True, text=True, cwd=cwd, timeout=60, check=False)


def rendered_rule_groups(values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The PrometheusRule's groups as the chart renders them (prometheusRule enabled, other values as given)."""
    merged = chart.merge({"monitoring": {"prometheusRule": {"enabled": True}}}, values or {})
    rules = chart.of_kind(chart.render(merged), "PrometheusRule")
    assert len(rules) == 1, rules
    groups: list[dict[str, Any]] = rules[0]["spec"]["groups"]
    return groups


def alerts(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every alerting rule of the groups."""
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


def write_rules(path: Path, groups: list[dict[str, Any]]) -> Path:
    path.write_text(yaml.safe_dump({"groups": groups}, sort_keys=False))
    return path


def dashboards() -> dict[str, dict[str, Any]]:
    """The committed dashboards by file name."""
    return {path.name: json.loads(path.read_text()) for path in sorted(DASHBOARDS.glob("*.json"))}


def panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    """Every panel, including those inside rows."""
    found = []
    for panel in dashboard.get("panels", []):
        found.append(panel)
        found.extend(panel.get("panels", []))
    return found


def panel_exprs(dashboard: dict[str, Any]) -> list[str]:
    return [target["expr"] for panel in panels(dashboard) for target in panel.get("targets", [])]


def variable_queries(dashboard: dict[str, Any]) -> list[str]:
    return [v["query"] for v in dashboard["templating"]["list"] if v["type"] == "query"]


def substitute_variables(expr: str) -> str:
    for variable, value in _GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    return expr


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (label_values(...) and functions excluded)."""
    return {name for name in _METRIC.findall(expr) if name not in PROMETHEUS_MADE}


def exported_names(exposition: str) -> dict[str, str]:
    """Metric name → type, from the HELP/TYPE lines of a /metrics body."""
    return dict(re.findall(r"^# TYPE (\S+) (\S+)$", exposition, flags=re.MULTILINE))


def is_exported(name: str, exported: dict[str, str]) -> bool:
    """Whether a name a query uses is exported: as such, or as a histogram's _bucket/_sum/_count series."""
    if name in exported:
        return True
    for suffix in _HISTOGRAM_SUFFIXES:
        if name.endswith(suffix) and exported.get(name.removesuffix(suffix)) == "histogram":
            return True
    return False


def load_generator() -> ModuleType:
    """scripts/dashboards.py as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("dashboards_generator", ROOT / "scripts" / "dashboards.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while they are being defined
    spec.loader.exec_module(module)
    return module
