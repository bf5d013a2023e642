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
import time
from pathlib import Path

from bench import _measure

REPO_ROOT = Path(__file__).resolve().parent.parent
READY_SECONDS = 60.0


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


class Run:
    """One shape's run on DBOS in a child process: it launches DBOS at construction, and measures on `measure`.

    The child says it is ready by creating `<out>.ready`, then waits for a line on its stdin before its window
    opens. The caller lets the statistics settle in between (`_measure.wait_stats_reported_before`), so DBOS's
    start-up falls outside the window, and may start Highway's workers at the same time (one wait for both).
    A failed run comes back from `measure` with `error` set and no figures.
    """

    def __init__(
        self, *, admin_url: str, url: str, database: str, plan: _measure.Plan, log_dir: Path, timeout_seconds: float
    ) -> None:
        self.plan, self.timeout_seconds = plan, timeout_seconds
        self.out = log_dir / f"dbos-{plan.shape}.json"
        self.ready_file = log_dir / f"dbos-{plan.shape}.ready"
        self.log_path = log_dir / f"dbos-{plan.shape}.log"
        for left in (self.out, self.ready_file):  # by an earlier repetition
            left.unlink(missing_ok=True)
        command = [
            sys.executable,
            "-m",
            "bench._dbos_child",
            f"--admin-url={admin_url}",
            f"--url={url}",
            f"--database={database}",
            f"--plan={plan.to_json()}",
            f"--timeout={timeout_seconds}",
            f"--ready={self.ready_file}",
            f"--out={self.out}",
        ]
        with self.log_path.open("wb") as log:  # the child keeps its own copy of the descriptor
            self.child = subprocess.Popen(
                command, cwd=REPO_ROOT, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT
            )

    def ready(self) -> bool:
        """Waits until DBOS has launched in the child; False when the child exited or took over a minute."""
        deadline = time.monotonic() + READY_SECONDS
        while not self.ready_file.exists():
            if self.child.poll() is not None or time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def measure(self) -> _measure.ShapeResult:
        """Opens the child's window, waits for it to finish and returns its figures."""
        try:
            assert self.child.stdin is not None
            self.child.stdin.write(b"go\n")
            self.child.stdin.close()
        except BrokenPipeError:
            pass  # the child is gone: its exit status and log say why
        try:
            self.child.wait(timeout=self.timeout_seconds + 60)
        except subprocess.TimeoutExpired:
            self.stop()
            return self._failed(f"DBOS did not finish within {self.timeout_seconds:.0f}s")
        if self.child.returncode != 0 or not self.out.exists():
            lines = [line for line in self.log_path.read_text(errors="replace").splitlines() if line.strip()]
            last = lines[-1] if lines else "no output"
            return self._failed(f"DBOS run failed (exit {self.child.returncode}): {last}")
        return _measure.ShapeResult.from_dict(json.loads(self.out.read_text()))

    def stop(self) -> None:
        """Ends the child if it still runs."""
        if self.child.poll() is None:
            self.child.kill()
            self.child.wait()

    def _failed(self, reason: str) -> _measure.ShapeResult:
        plan = self.plan
        return _measure.ShapeResult("dbos", plan.shape, plan.workflows, plan.steps_per_workflow, error=reason)
