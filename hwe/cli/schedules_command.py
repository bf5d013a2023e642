"""`hwe schedules create|list|get|update|pause|resume|delete`: cron schedules of the tenant's workflows.

The scheduler service fires them; these commands only manage them through `/api/v1/schedules`. `create FILE`
reads the definition as `hwe submit` does (.json, .yaml or .py). Without `--cron` the definition's own
`schedule` (and its `start_date`, `catchup`, `is_paused`, `max_active_runs`) applies.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any
from urllib import parse

from hwe import config
from hwe.cli import _api, _definitions, _table, _views

CATCHUP = ("all", "latest", "skip")
PATH = "/api/v1/schedules"
COLUMNS = (
    _table.Column("Schedule"),
    _table.Column("Name", shrink=True),
    _table.Column("Cron"),
    _table.Column("Time zone", priority=2),
    _table.Column("State"),
    _table.Column("Next fire", priority=1),
)
# The options that only go with an explicit --cron on create (the API reads them from the definition otherwise).
_CRON_OPTIONS = {"start_date": "--start-date", "catchup": "--catchup", "max_active_runs": "--max-active-runs"}


def add_parser(commands: Any) -> None:
    """Adds `schedules` and its actions to the `hwe` command line."""
    parser = commands.add_parser("schedules", help="manage cron schedules of workflows (the scheduler fires them)")
    actions = parser.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="schedule a workflow definition; prints the schedule id")
    create.add_argument("file", type=Path, metavar="FILE", help="FILE.json, FILE.yaml or FILE.py, as hwe submit")
    create.add_argument("--name", help="the schedule's name (default: the workflow's name)")
    _timing_options(create)
    create.add_argument("--paused", action="store_true", help="create it paused (with --cron)")
    create.add_argument("--json", action="store_true", help="print the API's data as JSON instead")
    listing = actions.add_parser("list", help="list the schedules by name, with their next fire time")
    listing.add_argument("--json", action="store_true", help="print the API's data as JSON instead")
    update = actions.add_parser("update", help="change a schedule's cron, time zone, definition or inputs")
    update.add_argument("schedule_id", metavar="ID", help="the schedule id")
    update.add_argument("--file", type=Path, metavar="FILE", help="a new workflow definition")
    _timing_options(update)
    update.add_argument("--json", action="store_true", help="print the API's data as JSON instead")
    for action, help_text in (
        ("get", "show one schedule"),
        ("pause", "pause a schedule: nothing fires until it is resumed"),
        ("resume", "resume a schedule from now on (times missed while paused do not fire)"),
        ("delete", "delete a schedule; the runs it started are kept"),
    ):
        one = actions.add_parser(action, help=help_text)
        one.add_argument("schedule_id", metavar="ID", help="the schedule id")
        if action != "delete":
            one.add_argument("--json", action="store_true", help="print the API's data as JSON instead")


def _timing_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cron", metavar="EXPR", help="a cron expression, such as '*/5 * * * *'")
    parser.add_argument("--timezone", metavar="TZ", help="the cron's time zone, such as Europe/Paris (default UTC)")
    parser.add_argument(
        "--input", action="append", default=[], metavar="KEY=VALUE", help="an input of each run (repeatable)"
    )
    parser.add_argument("--start-date", metavar="T", help="fire no earlier than T (ISO 8601)")
    parser.add_argument("--catchup", choices=CATCHUP, help="after downtime fire all missed times, the latest, or none")
    parser.add_argument("--max-active-runs", type=int, metavar="N", help="skip a fire time while N runs are active")


def run(settings: config.Settings, args: argparse.Namespace) -> int:
    """Runs one `schedules` action; exits 1 when the API refuses it, 2 for a bad file or option."""
    command = f"schedules {args.action}"
    body = _body(args, command) if args.action in ("create", "update") else None
    with _api.open_api(settings, command) as api:
        if args.action == "create":
            found = api.call("POST", PATH, json=body)
        elif args.action == "list":
            found = api.call("GET", PATH)["items"]
        elif args.action == "update":
            found = api.call("PATCH", _path(args.schedule_id), json=body)
        elif args.action == "get":
            found = api.call("GET", _path(args.schedule_id))
        elif args.action in ("pause", "resume"):
            found = api.call("POST", _path(args.schedule_id, args.action))
        else:
            api.call("DELETE", _path(args.schedule_id))
            _api.result(f"deleted schedule {args.schedule_id}")
            return 0
    if args.json:
        _views.print_json(found)
    elif args.action == "list":
        _print_list(found)
    elif args.action == "create":
        _api.note(f"created schedule {found['name']}; next fire at {_views.when(found.get('next_fire_at'))}")
        _api.result(found["schedule_id"])
    else:
        _print_one(found)
    return 0


def _body(args: argparse.Namespace, command: str) -> dict[str, Any]:
    body: dict[str, Any] = {}
    try:
        if args.action == "create" or args.file is not None:
            body["workflow_definition"] = _definitions.load(args.file)
        if args.input:
            body["inputs"] = _definitions.parse_inputs(args.input)
    except ValueError as err:
        _api.fail(command, str(err), status=2)
    for option in ("cron", "timezone", "start_date", "catchup", "max_active_runs"):
        if getattr(args, option) is not None:
            body[option] = getattr(args, option)
    if args.action == "create":
        if args.name:
            body["name"] = args.name
        if args.paused:
            body["is_paused"] = True
        given = [flag for option, flag in {**_CRON_OPTIONS, "is_paused": "--paused"}.items() if option in body]
        if given and "cron" not in body:
            _api.fail(command, f"{given[0]} goes with --cron; without it the definition's own schedule applies", 2)
    elif not body:
        _api.fail(command, "nothing to change: give --cron, --timezone, --file, --input, --start-date, ...", 2)
    return body


def _print_list(items: list[dict[str, Any]]) -> None:
    rows = [
        (
            item["schedule_id"],
            item["name"],
            item["cron"],
            item["timezone"],
            "paused" if item["is_paused"] else "active",
            _views.time_cell(item.get("next_fire_at")),
        )
        for item in items
    ]
    _views.print_table(f"{len(items)} schedule(s)", COLUMNS, rows)


def _print_one(found: dict[str, Any]) -> None:
    fields = [
        ("Schedule", found["schedule_id"]),
        ("Name", found["name"]),
        ("Workflow", (found.get("definition") or {}).get("name")),
        ("Cron", found["cron"]),
        ("Time zone", found["timezone"]),
        ("State", "paused" if found["is_paused"] else "active"),
        ("Next fire", _views.when(found.get("next_fire_at"))),
        ("Start date", _views.when(found.get("start_date"))),
        ("Catch-up", found.get("catchup")),
        ("Max active runs", found.get("max_active_runs")),
        ("Inputs", found.get("inputs")),
        ("Created", _views.when(found.get("created_at"))),
        ("Updated", _views.when(found.get("updated_at"))),
    ]
    _views.print_fields("schedule", fields)


def _path(schedule_id: str, action: str = "") -> str:
    path = f"{PATH}/{parse.quote(schedule_id, safe='')}"
    return f"{path}/{action}" if action else path
