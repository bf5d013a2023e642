"""`hwe tenants create NAME`: creates a tenant (with its own queue) through the API and prints its
first admin key. Needs an admin key of the bootstrap tenant `default`."""

from __future__ import annotations

import argparse
from typing import Any

from hwe import config
from hwe.cli import _api


def add_parser(commands: Any) -> None:
    """Adds `tenants create` to the `hwe` command line."""
    parser = commands.add_parser("tenants", help="manage tenants (admins of the default tenant)")
    actions = parser.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create a tenant with its own queue; prints its admin key")
    create.add_argument("name", metavar="NAME", help="lowercase letters, digits, _ and -; starts with a letter")
    create.add_argument("--idempotency-key", help="creating again with the same key answers the same")


def run(settings: config.Settings, args: argparse.Namespace) -> int:
    """Creates the tenant; the admin key goes to stdout, the rest to stderr."""
    with _api.open_api(settings, "tenants create") as api:
        created = api.call(
            "POST", "/api/v1/tenants", json={"tenant_id": args.name}, idempotency_key=args.idempotency_key
        )
    _api.note(
        f"created tenant {created['tenant_id']} (queue {created['queue_name']}); "
        "its admin key follows, shown only this once"
    )
    _api.result(created["admin_key"]["key"])
    return 0
