"""`hwe submit FILE`: submits a workflow definition (.json, .yaml or .py), and with `--wait` follows
the run with a progress bar until it ends."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from hwe import config
from hwe.cli import _api, _definitions, status_command

POLL_SECONDS = 0.5
TERMINAL_STATES = ("completed", "failed", "cancelled")


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
        definition = _definitions.load(args.file)
        inputs = _definitions.parse_inputs(args.input)
    except ValueError as err:
        return int(_api.fail("submit", str(err), status=2))
    with _api.open_api(settings, "submit") as api:
        body = {"workflow_definition": definition, "inputs": inputs}
        submitted = api.call("POST", "/api/v1/workflows", json=body, idempotency_key=args.idempotency_key)
        run_id = submitted["workflow_run_id"]
        _api.result(run_id)
        if not args.wait:
            return 0
        final = _follow(api, run_id)
    Console().print(status_command.render_run(final))
    return 0 if final["state"] == "completed" else 1


def _follow(api: _api.Api, run_id: str) -> dict[str, Any]:
    """Polls the run, showing steps completed out of total, until it reaches a terminal state."""
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("pending", total=None)
        while True:
            found: dict[str, Any] = api.call("GET", _api.run_path(run_id))
            counts = found["progress"]
            step = f" {found['current_step']}" if found.get("current_step") else ""
            progress.update(
                task, total=counts["total"] or None, completed=counts["completed"], description=found["state"] + step
            )
            if found["state"] in TERMINAL_STATES:
                return found
            time.sleep(POLL_SECONDS)
