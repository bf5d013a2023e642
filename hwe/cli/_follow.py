"""Following one run until it ends, for `hwe submit --wait`, `hwe status ID --wait` and `hwe watch ID`.

On a terminal: a progress bar on stderr (state, current step, steps done out of total, elapsed time); piped: one
line on stderr per change. When nothing moves for `STALL_SECONDS`, the API's diagnosis of the run is shown under
it (for example that no worker serves its queue). Ctrl-C stops following, not the run, and says how to re-attach.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from types import TracebackType
from typing import Any

from rich.console import Console, RenderableType
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.text import Text

from hwe.cli import _api

POLL_SECONDS = 0.5
STALL_SECONDS = 5.0
TERMINAL_STATES = ("completed", "failed", "cancelled")


def follow(api: _api.Api, run_id: str) -> dict[str, Any] | None:
    """Follows the run until it ends and returns it; None after Ctrl-C, which stops following, not the run."""
    try:
        return _watch(api, run_id)
    except KeyboardInterrupt:
        _api.note(f"stopped following run {run_id}; it goes on: hwe status {run_id} --wait")
        return None


def _watch(api: _api.Api, run_id: str) -> dict[str, Any]:
    console = Console(stderr=True)
    view: _BarView | _LineView = _BarView(console) if console.is_terminal else _LineView(console, run_id)
    with view:
        last: tuple[Any, ...] = ()
        changed_at = asked_at = time.monotonic()
        while True:
            found: dict[str, Any] = api.call("GET", _api.run_path(run_id))
            progress = found["progress"]
            seen = (found["state"], found.get("current_step"), progress["completed"], progress["total"])
            now = time.monotonic()
            if seen != last:
                last, changed_at, asked_at = seen, now, now
                view.show(found)
            if found["state"] in TERMINAL_STATES:
                return found
            if now - changed_at >= STALL_SECONDS and now - asked_at >= STALL_SECONDS - POLL_SECONDS:
                asked_at = now
                diagnosis = api.call_or_none("GET", _api.run_path(run_id, "diagnosis"))
                if isinstance(diagnosis, dict) and diagnosis.get("reason"):
                    view.explain(f"no progress for {now - changed_at:.0f} s: {diagnosis['reason']}")
            time.sleep(POLL_SECONDS)


def _description(found: dict[str, Any]) -> str:
    step = found.get("current_step")
    return f"{found['state']} {step}" if step else str(found["state"])


class _RunProgress(Progress):
    """A progress bar with a line under it for the diagnosis of a run that does not move."""

    note = ""

    def get_renderables(self) -> Iterable[RenderableType]:
        yield self.make_tasks_table(self.tasks)
        if self.note:
            yield Text(self.note, style="yellow")


class _BarView:
    def __init__(self, console: Console) -> None:
        columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        self._progress = _RunProgress(*columns, TimeElapsedColumn(), console=console, transient=True)
        self._task = self._progress.add_task("pending", total=None)

    def __enter__(self) -> None:
        self._progress.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self._progress.stop()

    def show(self, found: dict[str, Any]) -> None:
        counts = found["progress"]
        self._progress.note = ""
        self._progress.update(
            self._task, total=counts["total"] or None, completed=counts["completed"], description=_description(found)
        )

    def explain(self, text: str) -> None:
        self._progress.note = text
        self._progress.refresh()


class _LineView:
    """Piped stderr: one plain line per change, and the diagnosis once per stall."""

    def __init__(self, console: Console, run_id: str) -> None:
        self._console = console
        self._run_id = run_id
        self._explained = ""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        return None

    def show(self, found: dict[str, Any]) -> None:
        self._explained = ""
        counts = found["progress"]
        self._write(f"{_description(found)} ({counts['completed']}/{counts['total']} steps)")

    def explain(self, text: str) -> None:
        reason = text.partition(": ")[2]
        if reason != self._explained:
            self._explained = reason
            self._write(text)

    def _write(self, text: str) -> None:
        self._console.file.write(f"run {self._run_id}: {text}\n")
        self._console.file.flush()
