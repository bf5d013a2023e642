"""`hwe replay ID`: a run's timeline, read through the API: submission, claims, every step and its
attempts, sleeps, event waits and events, with times and durations, then the outcome."""

from __future__ import annotations

import argparse
import datetime
import json
from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from hwe import config
from hwe.cli import _api, status_command

KIND_STYLES = {
    **status_command.STATE_STYLES,
    "step": "bold",
    "sleep": "magenta",
    "event_received": "cyan",
    "event_emitted": "cyan",
    "wait_timed_out": "red",
    "attempt_failed": "red",
}


def add_parser(commands: Any) -> None:
    """Adds `replay` to the `hwe` command line."""
    parser = commands.add_parser("replay", help="show a run's timeline: steps, attempts, events, durations")
    parser.add_argument("run_id", metavar="ID", help="the workflow run id")
    parser.add_argument("--json", action="store_true", help="print the API's timeline as JSON instead")


def run(settings: config.Settings, args: argparse.Namespace) -> int:
    """Prints the timeline; exits 0 whatever the run's state, 1 when it does not exist for your tenant."""
    with _api.open_api(settings, "replay") as api:
        replay = api.call("GET", _api.run_path(args.run_id, "replay"))
    if args.json:
        _api.result(json.dumps(replay, indent=2))
        return 0
    Console().print(render_replay(replay))
    return 0


def render_replay(replay: dict[str, Any]) -> Group:
    """The timeline table and the outcome line."""
    timeline = replay["timeline"]
    start = _time(timeline[0]["at"]) if timeline else None
    table = Table(title=f"{replay['workflow_name']} {replay['workflow_run_id']}")
    table.add_column("+s", justify="right", no_wrap=True)
    for column in ("Time", "What", "Step"):
        table.add_column(column, no_wrap=True)
    table.add_column("Attempt", justify="right")
    table.add_column("Duration", justify="right", no_wrap=True)
    table.add_column("Detail", overflow="fold")
    for item in timeline:
        at = _time(item["at"])
        offset = "" if start is None or at is None else f"{(at - start).total_seconds():.3f}"
        table.add_row(
            offset,
            "-" if at is None else at.strftime("%H:%M:%S.%f")[:-3],
            Text(item["kind"], style=KIND_STYLES.get(item["kind"], "")),
            item.get("step") or "",
            "" if item.get("attempt") is None else str(item["attempt"]),
            _duration(item.get("duration_seconds")),
            _detail(item),
        )
    return Group(table, _outcome(replay["outcome"]))


def _detail(item: dict[str, Any]) -> str:
    kind = item["kind"]
    if kind == "step":
        error = item.get("error") or {}
        return f"{item['status']}" + (f": {error.get('message', '')}".rstrip() if error else "")
    if kind == "sleep":
        return f"until {status_command.when(item.get('until'))}"
    if kind == "claimed":
        return f"by {item.get('worker') or '-'}"
    if kind == "event_emitted":
        return str(item.get("event_name"))
    if kind == "inner_step":
        return str(item.get("status"))
    detail = {k: v for k, v in (item.get("detail") or {}).items() if k != "step"}
    return json.dumps(detail, sort_keys=True) if detail else ""


def _outcome(outcome: dict[str, Any]) -> Text:
    state = outcome["state"]
    text = Text("Outcome: ", style="bold")
    text.append(state, style=status_command.STATE_STYLES.get(state, ""))
    if outcome.get("duration_seconds") is not None:
        text.append(f" after {_duration(outcome['duration_seconds'])}")
    error = outcome.get("error")
    if error:
        where = f" in task {error['task_id']}" if error.get("task_id") else ""
        text.append(f"{where}: {error.get('message', '')}", style="red")
    return text


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _time(value: str | None) -> datetime.datetime | None:
    return None if not value else datetime.datetime.fromisoformat(value)
