"""`python -m bench.history` end to end at a tiny size, so the cost-curve harness cannot rot between its runs.

The real command as a subprocess (its own embedded PostgreSQL, a real template run, the bulk fill, real workers):
the figures' values mean nothing at this size, only that every checkpoint reports them and the fill wrote exactly
what a finished run writes. Speed targets live in bench/, never in tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
TINY = ["--checkpoints=200,400", "--probe-runs=20", "--repeat=1", "--workers=1", "--timeout=60"]
FIGURES = {
    "submit_cpu_ms_per_run",
    "step_cpu_ms_per_step",
    "cpu_ms_per_step",
    "python_cpu_ms_per_step",
    "postgres_cpu_ms_per_step",
    "submit_wall_ms_per_run",
    "steps_per_second",
    "first_step_p50_ms",
}


@pytest.mark.timeout(120)
def test_cost_curve_fills_each_checkpoint_and_reports_every_figure_at_a_tiny_size(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "bench.history", *TINY, "--json", f"--results-dir={tmp_path}"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=110)

    assert done.returncode == 0, done.stderr[-3000:]
    assert "runs copied" in done.stderr  # the fill's progress
    summary = json.loads(done.stdout)
    assert json.loads((tmp_path / f"history-{summary['date']}.json").read_text()) == summary
    per_run = summary["rows_per_finished_run"]
    assert per_run["workflow_run"] == 1 and per_run["t_bench"] == 1 and per_run["c_bench"] == 3  # 3 steps
    assert per_run["event_log"] >= 1
    points = summary["checkpoints"]
    assert [point["finished_runs"] for point in points] == [200, 400]
    for point in points:
        rows = {row["table_name"]: row["row_count"] for row in point["tables"]}
        assert all(rows[name] == count * point["finished_runs"] for name, count in per_run.items()), rows
        assert set(point["figures"]) == FIGURES and all(value > 0 for value in point["figures"].values()), point
        assert set(point["ratios"]) == set(point["normalized"]) == set(point["control_figures"]) == FIGURES
        assert len(point["control_repetitions"]) == len(point["repetitions"]) == 1
        assert point["buffers_per_step"]["hit"] > 0 and "workflow_run" in point["buffers_per_step"]["by_table"]
    assert points[0]["raw_ratios"]["cpu_ms_per_step"] == 1.0
    assert set(summary["verdicts"]) == FIGURES and all(isinstance(v["met"], bool) for v in summary["verdicts"].values())
    assert isinstance(summary["flat"], bool) and summary["errors"] == []
