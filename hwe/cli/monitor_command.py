"""`hwe monitor`: a live view of your tenant's recent runs (state, progress, current step),
refreshed every second from the API until Ctrl-C; `--once` renders one frame and exits.

On a terminal the frame fits its width (see `_table`); piped, it prints the table once and then one line per
run that appears or changes, as `kubectl get --watch` does.
"""

from __future__ import annotations

import argparse
import datetime
import time
from collections.abc import Callable
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.text import Text

from hwe import config
from hwe.cli import _api, _table, list_command, status_command

REFRESH_SECONDS = 1.0
BAR_WIDTH = 12
# The state is never cut: the step and the name are, then the creation time and the step are dropped.
COLUMNS = (
    _table.Column("Run", identifier=True),
    _table.Column("Workflow", shrink=True),
    _table.Column("State"),
    _table.Column("Progress"),
    _table.Column("Current step", priority=2, shrink=True),
    _table.Column("Created", priority=3),
)


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

        def fetch() -> list[dict[str, Any]]:
            items: list[dict[str, Any]] = api.call("GET", "/api/v1/workflows", params=params)["items"]
            return items

        try:
            if not console.is_terminal:
                _stream(console, fetch, once=args.once)
            elif args.once:
                console.print(render_frame(fetch(), console.width))
            else:
                # Redrawn only when new data arrived: one API call and one frame per second.
                with Live(console=console, auto_refresh=False) as live:
                    while True:
                        live.update(render_frame(fetch(), console.width), refresh=True)
                        time.sleep(REFRESH_SECONDS)
        except KeyboardInterrupt:
            return 0
    return 0


def render_frame(items: list[dict[str, Any]], width: int = 200) -> Group:
    """One frame for a terminal `width` wide: a summary of states, then a row per run with a progress bar."""
    table = _table.fitted(COLUMNS, [_row(item) for item in items], width, wide=False, title=None)
    return Group(_summary(items), table)


def _stream(console: Console, fetch: Callable[[], list[dict[str, Any]]], *, once: bool) -> None:
    # Piped, as `kubectl get --watch`: the table once, then a line for each run that appears or changes.
    items = fetch()
    _api.note(_summary(items).plain)
    seen = {item["workflow_run_id"]: _row(item) for item in items}
    _write(console, _table.plain_lines(COLUMNS, list(seen.values())))
    while not once:
        time.sleep(REFRESH_SECONDS)
        changed = []
        for item in reversed(fetch()):  # oldest first, as they happened
            row = _row(item)
            if seen.get(item["workflow_run_id"]) != row:
                seen[item["workflow_run_id"]] = row
                changed.append(row)
        if changed:
            _write(console, _table.plain_lines(COLUMNS, changed, header=False))


def _write(console: Console, lines: list[str]) -> None:
    console.file.write("".join(line + "\n" for line in lines))
    console.file.flush()


def _summary(items: list[dict[str, Any]]) -> Text:
    counts: dict[str, int] = {}
    for item in items:
        counts[item["state"]] = counts.get(item["state"], 0) + 1
    summary = Text(f"{len(items)} recent run(s) at {datetime.datetime.now().strftime('%H:%M:%S')}: ")
    for state, count in sorted(counts.items()):
        summary.append(f"{state} {count}  ", style=status_command.STATE_STYLES.get(state, ""))
    return summary


def _row(item: dict[str, Any]) -> list[_table.Cell]:
    progress = item["progress"]
    done, total = progress["completed"], progress["total"]
    return [
        _table.Cell(item["workflow_run_id"]),
        _table.Cell(item["workflow_name"] or ""),
        _table.Cell(item["state"], style=status_command.STATE_STYLES.get(item["state"], "")),
        _table.Cell(f"{done}/{total}", shown=_bar(done, total)),
        _table.Cell(item["current_step"] or ""),
        _table.Cell(item["created_at"], shown=Text(status_command.when(item["created_at"]))),
    ]


def _bar(done: int, total: int) -> Text:
    filled = BAR_WIDTH * done // total if total else 0
    return Text.assemble(
        ("━" * filled, "bar.finished" if done >= total > 0 else "bar.complete"),
        ("━" * (BAR_WIDTH - filled), "bar.back"),
        f" {done}/{total}",
    )


def _limit(raw: str) -> int:
    value = int(raw)
    if not 1 <= value <= list_command.PAGE_LIMIT:
        raise argparse.ArgumentTypeError(f"must be 1 to {list_command.PAGE_LIMIT}")
    return value
