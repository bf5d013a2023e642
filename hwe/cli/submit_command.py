"""`hwe submit FILE`: submits a workflow definition (.json, .yaml or .py), and with `--wait` follows
the run with a progress bar until it ends."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from hwe import config
from hwe.cli import _api, _definitions, status_command


def add_parser(commands: Any) -> None:
    """Adds `submit` to the `hwe` command line."""
    parser = commands.add_parser("submit", help="submit a workflow definition (.json, .yaml or .py)")
    parser.add_argument("file", type=Path, metavar="FILE", help="FILE.json, FILE.yaml or FILE.py")
    parser.add_argument(
        "--input",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an input of the run (repeatable); a VALUE that is valid JSON is read as JSON",
    )
    parser.add_argument("--idempotency-key", help="submitting again with the same key returns the same run")
    parser.add_argument("--wait", action="store_true", help="follow the run until it ends; exit 1 unless completed")


def run(settings: config.Settings, args: argparse.Namespace) -> int:
    """Prints the run id; with `--wait`, follows the run and returns 0 only if it completed."""
    try:
        definition, inputs = _definitions.load_submission(args.file)
        inputs = {**inputs, **_definitions.parse_inputs(args.input)}
    except ValueError as err:
        return int(_api.fail("submit", str(err), status=2))
    with _api.open_api(settings, "submit") as api:
        body = {"workflow_definition": definition, "inputs": inputs}
        submitted = api.call("POST", "/api/v1/workflows", json=body, idempotency_key=args.idempotency_key)
        run_id = submitted["workflow_run_id"]
        _api.result(run_id)
        if not args.wait:
            return 0
        return status_command.follow_and_show(api, run_id)
