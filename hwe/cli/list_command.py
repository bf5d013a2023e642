"""`hwe list`: the caller's workflow runs, newest first, as a table."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from hwe import config
from hwe.cli import _api, status_command

PAGE_LIMIT = 200
STATES = ("pending", "running", "sleeping", "waiting", "completed", "failed", "cancelled")


def add_parser(commands: Any) -> None:
    """Adds `list` to the `hwe` command line."""
    parser = commands.add_parser("list", help="list workflow runs, newest first")
    parser.add_argument("--state", choices=STATES, help="only runs in this state")
    parser.add_argument("--name", help="only runs of this workflow")
    parser.add_argument("--limit", type=_positive, default=20, help="at most this many runs (default 20)")
    parser.add_argument("--json", action="store_true", help="print the runs as JSON instead")


def run(settings: config.Settings, args: argparse.Namespace) -> int:
    """Prints up to `--limit` runs, following the API's pages as needed."""
    filters = {key: value for key, value in (("state", args.state), ("name", args.name)) if value}
    items: list[dict[str, Any]] = []
    cursor = None
    with _api.open_api(settings, "list") as api:
        while len(items) < args.limit:
            page_limit = min(PAGE_LIMIT, args.limit - len(items))
            params = {**filters, "limit": page_limit, **({"cursor": cursor} if cursor else {})}
            page = api.call("GET", "/api/v1/workflows", params=params)
            items += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                break
    if args.json:
        _api.result(json.dumps(items, indent=2))
        return 0
    Console().print(_table(items))
    return 0


def _table(items: list[dict[str, Any]]) -> Table:
    table = Table(title=f"{len(items)} workflow run(s), newest first")
    table.add_column("Run", no_wrap=True)
    # Narrow terminals (and pipes, 80 columns) fold these instead of squeezing them to "…".
    table.add_column("Workflow", overflow="fold")
    table.add_column("State", no_wrap=True)
    table.add_column("Progress", justify="right", no_wrap=True)
    table.add_column("Current step", overflow="fold")
    table.add_column("Created", overflow="fold")
    for item in items:
        progress = item["progress"]
        table.add_row(
            item["workflow_run_id"],
            item["workflow_name"],
            Text(item["state"], style=status_command.STATE_STYLES.get(item["state"], "")),
            f"{progress['completed']}/{progress['total']}",
            item["current_step"] or "-",
            status_command.when(item["created_at"]),
        )
    return table


def _positive(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value
