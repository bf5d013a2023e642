"""`hwe bootstrap-key`: the first admin API key of an installation, made on the server side.

Every other way to get a key goes through the API with a key already in hand. In production nothing else creates
one, so an operator runs this once where the services run (`kubectl exec deploy/highway-api -- hwe bootstrap-key`):
it reads the same database and secret provider (so the same pepper) as the API, creates the bootstrap tenant if it
is missing, and prints a new admin key of it on stdout. Each run makes another key; revoke spares with
`hwe keys revoke`.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from hwe import config, db, secrets, tenants
from hwe.cli import _api, _database

logger = logging.getLogger(__name__)


def add_parser(commands: Any) -> None:
    """Adds `bootstrap-key` to the `hwe` command line."""
    parser = commands.add_parser(
        "bootstrap-key", help="create the bootstrap tenant's first admin API key (server-side) and print it"
    )
    parser.add_argument("--role", choices=sorted(tenants.ROLES), default="admin", help="the key's role (default admin)")


def run(settings: config.Settings, args: argparse.Namespace) -> int:
    """Creates the key; prints it alone on stdout and what it is on stderr."""
    url, _server = _database.resolve(settings)
    pepper = secrets.open_secret_provider(settings).get(secrets.API_KEY_PEPPER)
    with db.connect(url) as conn, conn.transaction():
        tenants.create_tenant(conn, tenants.BOOTSTRAP_TENANT)
        key = tenants.create_api_key(conn, tenants.BOOTSTRAP_TENANT, args.role, pepper)
    logger.info("created a %s key for tenant %s", args.role, tenants.BOOTSTRAP_TENANT)
    _api.result(key)
    _api.note(f"a new {args.role} API key of tenant {tenants.BOOTSTRAP_TENANT}: store it now, it is not shown again")
    return 0
