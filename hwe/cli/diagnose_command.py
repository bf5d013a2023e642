"""`hwe diagnose ID`: why a run is (or is not) moving, from `GET /api/v1/workflows/{id}/diagnosis`.

Shows the API's one-sentence reason (no worker serves its queue, sleeping until, waiting for an event, a
lapsed lease) and the facts of its current queue attempt. Reads only; `hwe status` shows the run itself.
"""

from __future__ import annotations

import argparse
from typing import Any

from hwe import config
from hwe.cli import _api, _views


def add_parser(commands: Any) -> None:
    """Adds `diagnose` to the `hwe` command line."""
    parser = commands.add_parser("diagnose", help="say why a run is (or is not) moving: worker, lease, timer, wait")
    parser.add_argument("run_id", metavar="ID", help="the workflow run id")
    parser.add_argument("--json", action="store_true", help="print the API's diagnosis as JSON instead")


def run(settings: config.Settings, args: argparse.Namespace) -> int:
    """Prints the diagnosis; exits 0 whatever the run's state, 1 when it does not exist for your tenant."""
    with _api.open_api(settings, "diagnose") as api:
        found = api.call("GET", _api.run_path(args.run_id, "diagnosis"))
    if args.json:
        _views.print_json(found)
        return 0
    attempt = found.get("attempt") or {}
    fields = [
        ("Run", found["workflow_run_id"]),
        ("State", found["state"]),
        ("Queue", found["queue"]),
        ("Reason", found["reason"]),
        ("Attempt", attempt.get("attempt")),
        ("Attempt state", attempt.get("state")),
        ("Worker", attempt.get("claimed_by")),
        ("Lease until", _views.when(attempt.get("lease_expires_at"))),
        ("Available at", _views.when(attempt.get("available_at"))),
        ("Waiting for", attempt.get("waiting_for_event")),
        ("Wait until", _views.when(attempt.get("wait_timeout_at"))),
    ]
    _views.print_fields("diagnosis", fields)
    return 0
