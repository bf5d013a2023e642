"""`hwe cancel ID`: cancels a workflow run that has not finished (needs an operator key)."""

from __future__ import annotations

import argparse
from typing import Any

from rich.console import Console

from hwe import config
from hwe.cli import _api


def add_parser(commands: Any) -> None:
    """Adds `cancel` to the `hwe` command line."""
    parser = commands.add_parser("cancel", help="cancel a workflow run that has not finished")
    parser.add_argument("run_id", metavar="ID", help="the workflow run id")
    parser.add_argument("--idempotency-key", help="cancelling again with the same key answers the same")


def run(settings: config.Settings, args: argparse.Namespace) -> int:
    """Cancels the run; exits 1 when it does not exist or already finished (409 not_cancellable)."""
    with _api.open_api(settings, "cancel") as api:
        cancelled = api.call(
            "POST",
            _api.run_path(args.run_id, "cancel"),
            idempotency_key=args.idempotency_key,
        )
    Console().print(f"run {cancelled['workflow_run_id']} is [bold yellow]{cancelled['state']}[/]")
    return 0
