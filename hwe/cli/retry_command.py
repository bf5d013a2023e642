"""`hwe retry ID`: starts a new run of a failed or cancelled run, resuming at the step that failed,
and prints the new run's id (needs an operator key)."""

from __future__ import annotations

import argparse
from typing import Any

from hwe import config
from hwe.cli import _api


def add_parser(commands: Any) -> None:
    """Adds `retry` to the `hwe` command line."""
    parser = commands.add_parser("retry", help="retry a failed or cancelled run; prints the new run id")
    parser.add_argument("run_id", metavar="ID", help="the failed or cancelled workflow run id")
    parser.add_argument("--idempotency-key", help="retrying again with the same key answers the same run")


def run(settings: config.Settings, args: argparse.Namespace) -> int:
    """Prints the new run id on stdout; exits 1 when the run cannot be retried (409 not_retryable)."""
    with _api.open_api(settings, "retry") as api:
        retried = api.call(
            "POST",
            _api.run_path(args.run_id, "retry"),
            idempotency_key=args.idempotency_key,
        )
    _api.note(f"retrying run {retried['retry_of']} as a new run")
    _api.result(retried["new_workflow_run_id"])
    return 0
