"""`hwe approvals list|approve|reject`: decide the `tools.approval.request` tasks that wait for a person.

An approval's key is `<workflow_run_id>:<task_id>`. The API has no listing of approvals, so `list` reads the
tenant's waiting runs and, for each, the event its diagnosis says it waits for: `approval:<key>` is an approval.
It shows only approvals a run's own task waits for (what the diagnosis sees). `approve` and `reject` post the
decision; the API refuses a key no task waits for and a decision already made, and this exits 1 with its reason.
"""

from __future__ import annotations

import argparse
from typing import Any
from urllib import parse

from hwe import config
from hwe.cli import _api, _table, _views

EVENT_PREFIX = "approval:"
PAGE_LIMIT = 200
# Enough for a person's list; the waiting runs beyond it are not read (one diagnosis call each).
MAX_WAITING_RUNS = 1000
COLUMNS = (
    _table.Column("Key"),
    _table.Column("Workflow", priority=1, shrink=True),
    _table.Column("Times out at", priority=2),
)


def add_parser(commands: Any) -> None:
    """Adds `approvals list`, `approvals approve` and `approvals reject` to the `hwe` command line."""
    parser = commands.add_parser("approvals", help="list the approvals that wait for a decision, approve or reject")
    actions = parser.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="list the approvals waiting for a decision: key, run, workflow")
    listing.add_argument("--json", action="store_true", help="print the approvals as JSON instead")
    for action, verb in (("approve", "approve"), ("reject", "reject")):
        decide = actions.add_parser(action, help=f"{verb} a waiting approval; the first decision stands")
        decide.add_argument("key", metavar="KEY", help="the approval key, <workflow_run_id>:<task_id>")
        decide.add_argument("--approver", help="who decides (default: your tenant)")
        decide.add_argument("--comment", help="a comment the workflow sees with the decision")
        decide.add_argument("--json", action="store_true", help="print the API's data as JSON instead")


def run(settings: config.Settings, args: argparse.Namespace) -> int:
    """Runs one `approvals` action; exits 1 when the API refuses a decision."""
    with _api.open_api(settings, f"approvals {args.action}") as api:
        if args.action == "list":
            waiting = read_waiting_approvals(api)
        else:
            body = {key: value for key, value in (("approver", args.approver), ("comment", args.comment)) if value}
            path = f"/api/v1/approvals/{parse.quote(args.key, safe='')}/{args.action}"
            decided = api.call("POST", path, json=body or None)
    if args.action != "list":
        if args.json:
            _views.print_json(decided)
        else:
            verdict = "approved" if decided.get("approved") else "rejected"
            _api.result(f"{verdict} {decided['approval_key']}")
        return 0
    if args.json:
        _views.print_json(waiting)
        return 0
    rows = [(a["approval_key"], a["workflow_name"], _views.time_cell(a["wait_timeout_at"])) for a in waiting]
    _views.print_table(f"{len(waiting)} approval(s) waiting", COLUMNS, rows)
    return 0


def read_waiting_approvals(api: _api.Api) -> list[dict[str, Any]]:
    """The approvals the tenant's waiting runs wait for, newest run first."""
    found: list[dict[str, Any]] = []
    cursor = None
    read = 0
    while read < MAX_WAITING_RUNS:
        params = {"state": "waiting", "limit": PAGE_LIMIT, **({"cursor": cursor} if cursor else {})}
        page = api.call("GET", "/api/v1/workflows", params=params)
        for run in page["items"]:
            attempt = api.call("GET", _api.run_path(run["workflow_run_id"], "diagnosis")).get("attempt") or {}
            event = attempt.get("waiting_for_event") or ""
            if event.startswith(EVENT_PREFIX):
                found.append(
                    {
                        "approval_key": event.removeprefix(EVENT_PREFIX),
                        "workflow_run_id": run["workflow_run_id"],
                        "workflow_name": run["workflow_name"],
                        "wait_timeout_at": attempt.get("wait_timeout_at"),
                    }
                )
        read += len(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    return found
