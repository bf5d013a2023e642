"""`hwe monitor`: a live view of your tenant's recent runs (state, progress, current step),
refreshed every second from the API until Ctrl-C; `--once` renders one frame and exits."""

from __future__ import annotations

import argparse
import datetime
import time
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from hwe import config
from hwe.cli import _api, list_command, status_command

REFRESH_SECONDS = 1.0


def add_parser(commands: Any) -> None:
    """Adds `monitor` to the `hwe` command line."""
    parser = commands.add_parser("monitor", help="watch recent runs live (state, progress) until Ctrl-C")
    parser.add_argument("--state", choices=list_command.STATES, help="only runs in this state")
    parser.add_argument("--name", help="only runs of this workflow")
    parser.add_argument("--limit", type=_limit, default=20, metavar="N", help="how many runs, 1 to 200 (default 20)")
    parser.add_argument("--once", action="store_true", help="render one frame and exit")


def run(settings: config.Settings, args: argparse.Namespace) -> int:
    """Shows the runs, refreshing every second until Ctrl-C (or once with `--once`)."""
    params: dict[str, Any] = {"limit": args.limit}
    params.update({key: value for key, value in (("state", args.state), ("name", args.name)) if value})
    console = Console()
    with _api.open_api(settings, "monitor") as api:
        if args.once:
            console.print(render_frame(api.call("GET", "/api/v1/workflows", params=params)["items"]))
            return 0
        try:
            # Redrawn only when new data arrived: one API call and one frame per second.
            with Live(console=console, auto_refresh=False) as live:
                while True:
                    items = api.call("GET", "/api/v1/workflows", params=params)["items"]
                    live.update(render_frame(items), refresh=True)
                    time.sleep(REFRESH_SECONDS)
        except KeyboardInterrupt:
            return 0


def render_frame(items: list[dict[str, Any]]) -> Group:
    """One frame: a summary of states, then a row per run with a progress bar."""
    counts: dict[str, int] = {}
    for item in items:
        counts[item["state"]] = counts.get(item["state"], 0) + 1
    summary = Text(f"{len(items)} recent run(s) at {datetime.datetime.now().strftime('%H:%M:%S')}: ")
    for state, count in sorted(counts.items()):
        summary.append(f"{state} {count}  ", style=status_command.STATE_STYLES.get(state, ""))
    table = Table(expand=False)
    table.add_column("Run", no_wrap=True)
    table.add_column("Workflow")
    table.add_column("State")
    table.add_column("Progress", no_wrap=True)
    table.add_column("Current step")
    table.add_column("Created", no_wrap=True)
    for item in items:
        progress = item["progress"]
        done, total = progress["completed"], progress["total"]
        table.add_row(
            item["workflow_run_id"],
            item["workflow_name"],
            Text(item["state"], style=status_command.STATE_STYLES.get(item["state"], "")),
            _progress(done, total),
            item["current_step"] or "-",
            status_command.when(item["created_at"]),
        )
    return Group(summary, table)


def _progress(done: int, total: int) -> Table:
    cell = Table.grid(padding=(0, 1))
    cell.add_row(ProgressBar(total=max(total, 1), completed=done, width=20), f"{done}/{total}")
    return cell


def _limit(raw: str) -> int:
    value = int(raw)
    if not 1 <= value <= list_command.PAGE_LIMIT:
        raise argparse.ArgumentTypeError(f"must be 1 to {list_command.PAGE_LIMIT}")
    return value
