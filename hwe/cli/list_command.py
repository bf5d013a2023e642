"""`hwe list`: the caller's workflow runs, newest first, as a table that fits the terminal (plain when piped).

Child runs (of parallel branches, sub-workflows) are hidden unless `--all`, which adds a parent column.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.console import Console
from rich.text import Text

from hwe import config
from hwe.cli import _api, _table, status_command

PAGE_LIMIT = 200
STATES = ("pending", "running", "sleeping", "waiting", "completed", "failed", "cancelled")


# Dropped by priority on a narrow terminal (highest first); `wide` columns only with `-o wide`.
COLUMNS = (
    _table.Column("Run", identifier=True),
    _table.Column("Workflow", shrink=True),
    _table.Column("State"),
    _table.Column("Progress", right=True),
    _table.Column("Current step", priority=2, shrink=True),
    _table.Column("Created", priority=3),
    _table.Column("Version", wide=True),
    _table.Column("Finished", wide=True),
)
PARENT_COLUMN = _table.Column("Parent", priority=1, identifier=True)


def add_parser(commands: Any) -> None:
    """Adds `list` to the `hwe` command line."""
    parser = commands.add_parser("list", help="list workflow runs, newest first")
    parser.add_argument("--state", choices=STATES, help="only runs in this state")
    parser.add_argument("--name", help="only runs of this workflow")
    parser.add_argument("--limit", type=_positive, default=20, help="at most this many runs (default 20)")
    parser.add_argument("--all", action="store_true", help="also the child runs of parallel branches and sub-workflows")
    parser.add_argument("-o", "--output", choices=("table", "wide", "json"), default="table", help="wide: every column")
    parser.add_argument("--json", action="store_true", help="print the runs as JSON instead (as -o json)")


def run(settings: config.Settings, args: argparse.Namespace) -> int:
    """Prints up to `--limit` runs (without child runs unless `--all`), following the API's pages as needed."""
    filters = {key: value for key, value in (("state", args.state), ("name", args.name)) if value}
    items: list[dict[str, Any]] = []
    cursor = None
    with _api.open_api(settings, "list") as api:
        while len(items) < args.limit:
            # Child runs are filtered here, so a page may add fewer runs than it holds: ask for a full page.
            page_limit = PAGE_LIMIT if not args.all else min(PAGE_LIMIT, args.limit - len(items))
            params = {**filters, "limit": page_limit, **({"cursor": cursor} if cursor else {})}
            page = api.call("GET", "/api/v1/workflows", params=params)
            items += [item for item in page["items"] if args.all or not item.get("parent_run_id")]
            cursor = page["next_cursor"]
            if cursor is None:
                break
    items = items[: args.limit]
    if args.json or args.output == "json":
        _api.result(json.dumps(items, indent=2))
        return 0
    columns = (*COLUMNS, PARENT_COLUMN) if args.all else COLUMNS
    rows = [row(item, parent=args.all) for item in items]
    title = f"{len(items)} workflow run(s), newest first"
    _table.render(Console(), columns, rows, wide=args.output == "wide", title=title)
    return 0


def row(item: dict[str, Any], *, parent: bool = False) -> list[_table.Cell]:
    """One run summary as the cells of `COLUMNS` (and `PARENT_COLUMN` when `parent`)."""
    progress = item["progress"]
    cells = [
        _table.Cell(item["workflow_run_id"]),
        _table.Cell(item["workflow_name"] or ""),
        _table.Cell(item["state"], style=status_command.STATE_STYLES.get(item["state"], "")),
        _table.Cell(f"{progress['completed']}/{progress['total']}"),
        _table.Cell(item["current_step"] or ""),
        _time_cell(item["created_at"]),
        _table.Cell(item.get("workflow_version") or ""),
        _time_cell(item.get("finished_at")),
    ]
    return [*cells, _table.Cell(item.get("parent_run_id") or "")] if parent else cells


def _time_cell(value: str | None) -> _table.Cell:
    # Pipes get the API's ISO 8601 time (no spaces, sortable); terminals the readable form.
    return _table.Cell(value or "", shown=Text(status_command.when(value)))


def _positive(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value
