"""`hwe audit ID`: a run's audit trail, oldest first, read through the API's admin audit-log listing.

Pages through `GET /api/v1/admin/audit-logs?workflow_run_id=ID` until every record is read; needs an
admin key. Shows the records of the append-only event log (not the checkpoints: `hwe replay` shows
those, step by step). A run id is a UUID, so the first word also names the two database-side actions,
`hwe audit archive` and `hwe audit export` (in `_audit_archive`), which never call the API.
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
from hwe.cli import _api, _audit_archive, replay_command

PATH = "/api/v1/admin/audit-logs"
PER_PAGE = 200
# A value in the detail column longer than this is cut, so one row stays readable.
DETAIL_VALUE_CHARS = 60


# The options of each first word; any other first word is a run id, which takes only --json.
_ACTION_OPTIONS = {
    "archive": ("older_than",),
    "export": ("workflow_run_id", "since", "until", "as_of"),
}
_OPTION_FLAGS = {
    "json": "--json",
    "older_than": "--older-than",
    "workflow_run_id": "--workflow-run-id",
    "since": "--since",
    "until": "--until",
    "as_of": "--as-of",
}


def add_parser(commands: Any) -> None:
    """Adds `audit` to the `hwe` command line: `audit ID`, `audit archive` and `audit export`."""
    parser = commands.add_parser(
        "audit",
        help="show a run's audit trail (API, admin key); `archive` and `export` work on the database",
        description="hwe audit ID [--json] | hwe audit archive [--older-than D] | hwe audit export [filters]",
    )
    parser.add_argument("run_id", metavar="ID|archive|export", help="a workflow run id, or the action")
    parser.add_argument("--json", action="store_true", help="ID: print the records as JSON lines instead")
    archive = parser.add_argument_group("archive", "archive and prune the days older than D, now")
    archive.add_argument(
        "--older-than",
        type=_audit_archive.duration,
        metavar="D",
        help="30d, 12h, 90s, 0s (every day before today) or ISO 8601 P30D; default [audit] archive_after",
    )
    export = parser.add_argument_group("export", "print records as JSON lines, oldest first")
    export.add_argument("--workflow-run-id", type=_audit_archive.run_uuid, metavar="ID", help="only this run's")
    export.add_argument("--since", type=_audit_archive.moment, metavar="T", help="created at or after T (ISO 8601)")
    export.add_argument("--until", type=_audit_archive.moment, metavar="T", help="created at or before T (ISO 8601)")
    export.add_argument("--as-of", type=int, metavar="SNAPSHOT", help="the archive alone, as at this snapshot")


def run(settings: config.Settings, args: argparse.Namespace) -> int:
    """Runs `archive` or `export`, or prints the run's trail (exit 1 when it has no records for your tenant)."""
    action = args.run_id if args.run_id in _ACTION_OPTIONS else None
    allowed = _ACTION_OPTIONS[action] if action is not None else ("json",)
    for option, flag in _OPTION_FLAGS.items():
        value = getattr(args, option)
        if option not in allowed and value is not None and value is not False:
            where = f"hwe audit {action}" if action is not None else "hwe audit ID"
            _api.fail("audit", f"{flag} does not go with {where}", status=2)
    if action == "archive":
        return _audit_archive.run_archive(settings, args)
    if action == "export":
        return _audit_archive.run_export(settings, args)
    return _show_trail(settings, args)


def _show_trail(settings: config.Settings, args: argparse.Namespace) -> int:
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
            _request(detail) if record["event_type"] == "api_request" else _summary(detail),
        )
    return table


def _attempt(number: Any, attempt_run_id: str | None) -> str:
    parts = [] if number is None else [f"#{number}"]
    if attempt_run_id:
        parts.append(attempt_run_id[:8])
    return " ".join(parts)


def _request(detail: dict[str, Any]) -> str:
    """An API request in one line: what was asked, how it ended, and by which key (`--json` has every field)."""
    return f"{detail.get('method')} {detail.get('route')}: {detail.get('outcome')} (key {detail.get('key_prefix')})"


def _summary(detail: dict[str, Any]) -> str:
    items = []
    for key in sorted(detail):
        value = detail[key]
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        if len(text) > DETAIL_VALUE_CHARS:
            text = text[: DETAIL_VALUE_CHARS - 1] + "…"
        items.append(f"{key}={text}")
    return ", ".join(items)
