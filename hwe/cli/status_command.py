"""`hwe status ID`: one run as a readable panel (state, progress, current step, error).

`hwe status ID --wait` (or `hwe watch ID`) follows it until it ends first, as `hwe submit --wait` does.
"""

from __future__ import annotations

import argparse
import datetime
import json
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from hwe import config
from hwe.cli import _api, _follow

STATE_STYLES = {
    "completed": "bold green",
    "failed": "bold red",
    "cancelled": "bold yellow",
    "running": "bold cyan",
    "pending": "cyan",
    "sleeping": "magenta",
    "waiting": "magenta",
}
INTERRUPTED_STATUS = 130  # 128 + SIGINT, as shells report a Ctrl-C


def add_parser(commands: Any) -> None:
    """Adds `status` to the `hwe` command line."""
    parser = commands.add_parser("status", help="show one workflow run: state, progress, current step, error")
    parser.add_argument("run_id", metavar="ID", help="the workflow run id")
    parser.add_argument("--wait", action="store_true", help="follow the run until it ends; exit 1 unless completed")
    parser.add_argument("--json", action="store_true", help="print the run as JSON instead")
    watch = commands.add_parser("watch", help="follow one workflow run until it ends (as `status ID --wait`)")
    watch.add_argument("run_id", metavar="ID", help="the workflow run id")
    watch.add_argument("--json", action="store_true", help="print the final run as JSON instead")
    watch.set_defaults(wait=True)


def run(settings: config.Settings, args: argparse.Namespace) -> int:
    """Prints the run; exits 0 whatever its state, unless `--wait` (then as `follow_and_show`)."""
    with _api.open_api(settings, args.command) as api:
        if args.wait:
            return follow_and_show(api, args.run_id, as_json=args.json)
        found = api.call("GET", _api.run_path(args.run_id))
    if args.json:
        _api.result(json.dumps(found, indent=2))
    else:
        Console().print(render_run(found))
    return 0


def follow_and_show(api: _api.Api, run_id: str, *, as_json: bool = False) -> int:
    """Follows the run until it ends, then prints it: 0 when it completed, 1 when not, 130 after Ctrl-C."""
    final = _follow.follow(api, run_id)
    if final is None:
        return INTERRUPTED_STATUS
    if as_json:
        _api.result(json.dumps(final, indent=2))
    else:
        Console().print(render_run(final))
    return 0 if final["state"] == "completed" else 1


def render_run(found: dict[str, Any]) -> Panel:
    """The panel `hwe status` and `hwe submit --wait` show for a run."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    grid.add_row("Run", found["workflow_run_id"])
    grid.add_row("Workflow", f"{found.get('workflow_name')} {found.get('workflow_version') or ''}".strip())
    grid.add_row("State", Text(found["state"], style=STATE_STYLES.get(found["state"], "")))
    progress = found.get("progress") or {}
    done, total = progress.get("completed", 0), progress.get("total", 0)
    bar = ProgressBar(total=max(total, 1), completed=done, width=30)
    grid.add_row("Progress", Group(Text(f"{done}/{total} steps"), bar))
    grid.add_row("Current step", found.get("current_step") or "-")
    for label, field in (("Created", "created_at"), ("Started", "started_at"), ("Finished", "finished_at")):
        grid.add_row(label, when(found.get(field)))
    error = found.get("error")
    if error:
        where = f" in task {error['task_id']}" if error.get("task_id") else ""
        message = str(error.get("message", "")).strip()
        grid.add_row("Error", Text(f"{error.get('type', 'error')}{where}: {message}", style="red"))
    return Panel(grid, title="workflow run", expand=False)


def when(value: str | None) -> str:
    """An API timestamp as `YYYY-MM-DD HH:MM:SS` plus its zone, or `-`."""
    if not value:
        return "-"
    return datetime.datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M:%S %Z").strip()
