"""`hwe audit ID`: a run's audit trail, oldest first, read through the API's admin audit-log listing.

Pages through `GET /api/v1/admin/audit-logs?workflow_run_id=ID` until every record is read; needs an
admin key. Shows the records of the append-only event log (not the checkpoints: `hwe replay` shows
those, step by step).
"""

from __future__ import annotations

import argparse
import datetime
import json
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from hwe import config
from hwe.cli import _api, replay_command

PATH = "/api/v1/admin/audit-logs"
PER_PAGE = 200
# A value in the detail column longer than this is cut, so one row stays readable.
DETAIL_VALUE_CHARS = 60


def add_parser(commands: Any) -> None:
    """Adds `audit` to the `hwe` command line."""
    parser = commands.add_parser("audit", help="show a run's audit trail (needs an admin key)")
    parser.add_argument("run_id", metavar="ID", help="the workflow run id")
    parser.add_argument("--json", action="store_true", help="print the records as JSON lines instead")


def run(settings: config.Settings, args: argparse.Namespace) -> int:
    """Prints the trail; exits 1 when the run has no records for your tenant (it does not exist)."""
    with _api.open_api(settings, "audit") as api:
        records = read_trail(api, args.run_id)
    if not records:
        _api.fail("audit", f"no audit records for run {args.run_id} in your tenant")
    if args.json:
        for record in records:
            _api.result(json.dumps(record, sort_keys=True))
        return 0
    Console().print(render_trail(args.run_id, records))
    return 0


def read_trail(api: _api.Api, run_id: str) -> list[dict[str, Any]]:
    """Every audit record of the run, oldest first, following the API's pages until the last one."""
    seen: dict[int, dict[str, Any]] = {}
    page = 1
    while True:
        data = api.call("GET", PATH, params={"workflow_run_id": run_id, "page": page, "per_page": PER_PAGE})
        for record in data["audit_logs"]:
            # Pages are cut by offset, newest first: a record appended meanwhile repeats one.
            seen[record["log_id"]] = record
        if not data["audit_logs"] or page * PER_PAGE >= data["total"]:
            break
        page += 1
    return sorted(seen.values(), key=lambda r: (datetime.datetime.fromisoformat(r["created_at"]), r["log_id"]))


def render_trail(run_id: str, records: list[dict[str, Any]]) -> Table:
    """The table of records: time, event type, attempt and a summary of the detail."""
    table = Table(title=f"audit trail of run {run_id}", caption=f"{len(records)} record(s)")
    table.add_column("Time", no_wrap=True)
    table.add_column("Event", no_wrap=True)
    table.add_column("Attempt", no_wrap=True)
    table.add_column("Detail", overflow="fold")
    for record in records:
        detail = dict(record.get("detail") or {})
        attempt = detail.pop("attempt", None)
        at = datetime.datetime.fromisoformat(record["created_at"]).astimezone(datetime.UTC)
        table.add_row(
            at.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
            Text(record["event_type"], style=replay_command.KIND_STYLES.get(record["event_type"], "")),
            _attempt(attempt, record.get("attempt_run_id")),
            _summary(detail),
        )
    return table


def _attempt(number: Any, attempt_run_id: str | None) -> str:
    parts = [] if number is None else [f"#{number}"]
    if attempt_run_id:
        parts.append(attempt_run_id[:8])
    return " ".join(parts)


def _summary(detail: dict[str, Any]) -> str:
    items = []
    for key in sorted(detail):
        value = detail[key]
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        if len(text) > DETAIL_VALUE_CHARS:
            text = text[: DETAIL_VALUE_CHARS - 1] + "…"
        items.append(f"{key}={text}")
    return ", ".join(items)
