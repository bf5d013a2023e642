"""`hwe keys create|list|revoke`: the API keys of the caller's tenant (needs an admin key)."""

from __future__ import annotations

import argparse
from typing import Any
from urllib import parse

from rich.console import Console
from rich.table import Table

from hwe import config
from hwe.cli import _api, status_command

ROLES = ("admin", "operator", "viewer")


def add_parser(commands: Any) -> None:
    """Adds `keys create`, `keys list` and `keys revoke` to the `hwe` command line."""
    parser = commands.add_parser("keys", help="manage the API keys of your tenant (admins)")
    actions = parser.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create a key; prints it (shown only this once)")
    create.add_argument("--role", required=True, choices=ROLES, help="viewer reads, operator runs, admin manages")
    create.add_argument("--idempotency-key", help="creating again with the same key answers the same key")
    actions.add_parser("list", help="list the keys: prefix, role, created, revoked")
    revoke = actions.add_parser("revoke", help="revoke a key; it is refused from the next request on")
    revoke.add_argument("prefix", metavar="PREFIX", help="the key's prefix as `keys list` shows it (hw_<PREFIX>)")


def run(settings: config.Settings, args: argparse.Namespace) -> int:
    """Runs one `keys` action."""
    with _api.open_api(settings, f"keys {args.action}") as api:
        if args.action == "create":
            created = api.call("POST", "/api/v1/keys", json={"role": args.role}, idempotency_key=args.idempotency_key)
            article = "an" if created["role"][:1] in "aeiou" else "a"
            _api.note(f"created {article} {created['role']} key; it is shown only this once")
            _api.result(created["key"])
        elif args.action == "list":
            Console().print(_table(api.call("GET", "/api/v1/keys")["items"]))
        else:
            revoked = api.call("DELETE", f"/api/v1/keys/{parse.quote(args.prefix, safe='')}")
            _api.result(f"revoked key hw_{revoked['prefix']} at {revoked['revoked_at']}")
    return 0


def _table(items: list[dict[str, Any]]) -> Table:
    table = Table(title="API keys")
    for column in ("Prefix", "Role", "Created", "Revoked"):
        table.add_column(column, no_wrap=True)
    for item in items:
        table.add_row(
            f"hw_{item['prefix']}",
            item["role"],
            status_command.when(item["created_at"]),
            status_command.when(item["revoked_at"]),
        )
    return table
