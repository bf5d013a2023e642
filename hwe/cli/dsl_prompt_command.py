"""`hwe dsl-prompt`: prints a compact Highway DSL reference, suited to pasting into an assistant."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from hwe import config
from hwe.cli import _api

REFERENCE = Path(__file__).with_name("dsl_prompt.md")


def add_parser(commands: Any) -> None:
    """Adds the `dsl-prompt` command."""
    commands.add_parser("dsl-prompt", help="print a compact Highway DSL reference for an assistant")


def run(settings: config.Settings, args: argparse.Namespace) -> int:
    """Prints the reference; needs no API."""
    _api.result(REFERENCE.read_text().rstrip())
    return 0
