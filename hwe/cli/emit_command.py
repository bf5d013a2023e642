"""`hwe emit ID EVENT --payload JSON`: posts an event owned by a run; it wakes the runs of your
tenant that wait for that name, and is kept for the next wait when none waits yet (every post is
kept, in order). Needs an operator key."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.console import Console
from rich.markup import escape

from hwe import config
from hwe.cli import _api


def add_parser(commands: Any) -> None:
    """Adds `emit` to the `hwe` command line."""
    parser = commands.add_parser("emit", help="post an event to a run; wakes the runs waiting for it")
    parser.add_argument("run_id", metavar="ID", help="the workflow run that owns the event")
    parser.add_argument("event_name", metavar="EVENT", help="the event's name")
    parser.add_argument("--payload", default="{}", metavar="JSON", help="the payload, a JSON object (default {})")
    parser.add_argument("--idempotency-key", help="posting again with the same key answers the same")


def run(settings: config.Settings, args: argparse.Namespace) -> int:
    """Posts the event and says what became of it; a payload that is not a JSON object exits 2."""
    try:
        payload = json.loads(args.payload)
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        return int(_api.fail("emit", '--payload must be a JSON object, such as \'{"by": "ada"}\'', status=2))
    with _api.open_api(settings, "emit") as api:
        posted = api.call(
            "POST",
            _api.run_path(args.run_id, "events"),
            json={"event_name": args.event_name, "payload": payload},
            idempotency_key=args.idempotency_key,
        )
    woken = int(posted["woken"])
    outcome = (
        f"woke {woken} waiting run(s)"
        if woken
        else "no run waits for it yet: it is kept for the next wait of that name"
    )
    Console().print(
        f"posted event [bold]{escape(posted['event_name'])}[/] #{posted['sequence']} to run "
        f"{posted['workflow_run_id']}; {outcome}",
        highlight=False,
        markup=True,
        soft_wrap=True,  # one line at any width, so scripts and narrow terminals read the same
    )
    return 0
