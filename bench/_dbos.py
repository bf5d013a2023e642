"""The DBOS Transact baseline, seen from the bench process: is it installed, and run one shape in a child process.

The child (`bench/_dbos_child.py`) imports dbos; this module never does, so the bench still runs Highway alone
when DBOS is missing or fails, and says why instead of printing a number.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from bench import _measure

REPO_ROOT = Path(__file__).resolve().parent.parent


def missing_reason() -> str | None:
    """Why the baseline cannot run here, or None when dbos is importable."""
    if importlib.util.find_spec("dbos") is None:
        return "the dbos package is not installed (`make bench` installs it: pip install -e '.[bench]')"
    return None


def version() -> str | None:
    """The installed dbos version, if any."""
    try:
        return importlib.metadata.version("dbos")
    except importlib.metadata.PackageNotFoundError:
        return None


def run_shape(
    *,
    admin_url: str,
    url: str,
    database: str,
    shape: str,
    workflows: int,
    steps: int,
    submitters: int,
    log_dir: Path,
    timeout_seconds: float,
) -> _measure.ShapeResult:
    """Runs one shape on DBOS in a child process; a failed run comes back with `error` set and no figures."""
    out = log_dir / f"dbos-{shape}.json"
    log_path = log_dir / f"dbos-{shape}.log"
    command = [
        sys.executable,
        "-m",
        "bench._dbos_child",
        f"--admin-url={admin_url}",
        f"--url={url}",
        f"--database={database}",
        f"--shape={shape}",
        f"--workflows={workflows}",
        f"--steps={steps}",
        f"--submitters={submitters}",
        f"--timeout={timeout_seconds}",
        f"--out={out}",
    ]
    with log_path.open("wb") as log:
        try:
            child = subprocess.run(
                command, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, timeout=timeout_seconds + 60, check=False
            )
        except subprocess.TimeoutExpired:
            return _failed(shape, workflows, steps, f"DBOS did not finish within {timeout_seconds:.0f}s")
    if child.returncode != 0 or not out.exists():
        lines = [line for line in log_path.read_text(errors="replace").splitlines() if line.strip()]
        last = lines[-1] if lines else "no output"
        return _failed(shape, workflows, steps, f"DBOS run failed (exit {child.returncode}): {last}")
    return _measure.ShapeResult.from_dict(json.loads(out.read_text()))


def _failed(shape: str, workflows: int, steps: int, reason: str) -> _measure.ShapeResult:
    return _measure.ShapeResult("dbos", shape, workflows, steps, error=reason)
