"""`hwe grant ROLE`: gives the services' database role what the engine needs, and no way to rewrite the trail.

A server-side command like `hwe migrate`, run by the schema's owner after it (the chart's migration Job does).
The role reads and writes the engine's tables but may only read and append to `hwe.event_log`.
"""

from __future__ import annotations

import argparse
from typing import Any

from hwe import config, db, migrate
from hwe.cli import _api, _database


def add_parser(commands: Any) -> None:
    """Adds `grant` to the `hwe` command line."""
    parser = commands.add_parser("grant", help="grant the services' database role the engine's privileges")
    parser.add_argument("role", help="the PostgreSQL role the services log in as (it must exist)")


def run(settings: config.Settings, args: argparse.Namespace) -> int:
    """Grants the privileges; prints what it did on stderr."""
    url, _server = _database.resolve(settings)
    with db.connect(url) as conn:
        migrate.grant_service_role(conn, args.role)
    _api.note(f"granted role {args.role} the service privileges; hwe.event_log stays append-only for it")
    return 0
