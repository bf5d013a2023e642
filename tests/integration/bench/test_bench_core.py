"""`python -m bench.core` end to end at a tiny size, so the harness cannot rot silently between benchmark runs.

The real command as a subprocess (its own embedded PostgreSQL, real workers, the API for shape e, pgbench, and
DBOS when it is installed), with no wait for the statistics to settle: the figures' values mean nothing here, only
that every shape reports them. Speed targets live in bench/, never in tests.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
TINY = {
    "--shapes": "1,2,c,d,e",
    "--workflows": "3",
    "--chain-steps": "3",
    "--c-workflows": "2",
    "--c-children": "3",
    "--d-rate": "20",
    "--d-seconds": "0.5",
    "--e-runs": "10",
    "--e-rate": "20",
    "--e-seconds": "0.5",
    "--pgbench-seconds": "1",
    "--workers": "1",
    "--repeat": "1",
    "--stats-wait": "0",
    "--timeout": "60",
}


@pytest.mark.timeout(240)
def test_every_shape_reports_its_figures_and_the_targets_at_a_tiny_size(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "bench.core", *(f"{key}={value}" for key, value in TINY.items())]
    done = subprocess.run(
        [*command, "--json", f"--results-dir={tmp_path}"], cwd=ROOT, capture_output=True, text=True, timeout=230
    )

    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout)
    assert json.loads((tmp_path / f"{summary['date']}.json").read_text()) == summary
    with_dbos = importlib.util.find_spec("dbos") is not None
    assert (summary["baseline_missing"] is None) == with_dbos
    for shape in ("1", "2", "c", "d"):
        shown = summary["shapes"][shape]["shown_runs"]
        for engine in ("highway", "dbos") if with_dbos else ("highway",):
            run = shown[engine]
            assert run["error"] is None and run["completed"] == run["workflows"], (shape, engine, run)
            assert run["steps_per_second"] > 0 and run["commits_per_step"] > 0 and run["cpu_ms_per_step"] > 0
            assert (run["latency_ms"] is not None) == (shape in ("1", "d"))
        if with_dbos:
            assert summary["shapes"][shape]["ratios_highway_over_dbos"]["steps_per_second"] > 0
    assert shown["highway"]["achieved_rate"] > 0 and set(shown["highway"]["finished_latency_ms"]) == {
        "p50",
        "p95",
        "p99",
    }
    assert summary["shapes"]["c"]["shown_runs"]["highway"]["steps_per_workflow"] == 4  # 3 children + the join
    assert set(summary["pgbench_ceiling"]["commits_per_second"]) == {"1", "8"}
    assert min(summary["pgbench_ceiling"]["commits_per_second"].values()) > 0
    rest = summary["rest"]
    assert rest["error"] is None and rest["throughput"]["submitted"] == 10 and rest["latency"]["completed"] == 10
    assert rest["latency"]["created_to_started_ms"]["p99"] > 0
    judged = {(row["shape"], row["target"]): row for row in summary["targets"]}
    assert {shape for shape, _ in judged} == {"1", "2", "c", "d", "e"}
    measured = [row for row in judged.values() if row["measured"] is not None]
    assert all(isinstance(row["met"], bool) for row in measured)
    assert len(measured) == len(judged) if with_dbos else len(measured) == len(judged) - 2  # no DBOS, no ratios
