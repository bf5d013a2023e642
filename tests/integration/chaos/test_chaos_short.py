"""`make chaos` in two minutes: the whole stack under every fault kind, and every invariant still holds.

The harness (python -m chaos, docs/chaos.md) starts its own stack, so this test shares nothing with the suite's;
the Workflow operator is part of it, against an emulated Kubernetes API, and its process is killed too.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from chaos import _faults

REPO_ROOT = Path(__file__).resolve().parents[3]
FIGURES = re.compile(r"^runs=(\d+) lost=(\d+) recomputed=(\d+) repeated_effects=(\d+) deliveries_lost=(\d+)$", re.M)


@pytest.mark.timeout(420)
def test_every_run_survives_every_fault_kind_with_nothing_lost_or_recomputed(tmp_path: Path) -> None:
    harness = subprocess.run(
        [sys.executable, "-m", "chaos", "--minutes", "1.5", "--runs", "90", "--keep", str(tmp_path / "chaos")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=400,
    )
    output = harness.stdout + harness.stderr
    assert harness.returncode == 0, output

    for kind in _faults.KINDS:
        found = re.search(rf"^fault={kind} count=(\d+) recovered=(\d+) slowest=[\d.]+s$", output, re.M)
        assert found is not None, output
        assert int(found[1]) >= 1 and found[1] == found[2], output
    resources = re.search(r"^workflow_resources=(\d+) succeeded=(\d+)$", output, re.M)
    assert resources is not None, output
    assert int(resources[1]) >= 5 and resources[1] == resources[2], output
    figures = FIGURES.search(output)
    assert figures is not None, output
    runs, lost, recomputed, _repeated, deliveries_lost = (int(value) for value in figures.groups())
    assert runs >= 90 and (lost, recomputed, deliveries_lost) == (0, 0, 0), output
