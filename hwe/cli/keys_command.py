"""`hwe keys create|list|revoke|rotate`: the API keys of the caller's tenant (needs an admin key)."""

from __future__ import annotations

import argparse
import uuid
from typing import Any

from rich.console import Console
from rich.table import Table

from hwe import config
from hwe.cli import _api, status_command

ROLES = ("admin", "operator", "viewer")
KEYS_PATH = "/api/v1/admin/api-keys"
ONLY_ONCE = "it is shown only this once"


def add_parser(commands: Any) -> None:
    """Adds `keys create`, `keys list`, `keys revoke` and `keys rotate` to the `hwe` command line."""
    parser = commands.add_parser("keys", help="manage the API keys of your tenant (admins)")
    actions = parser.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create a key; prints it (shown only this once)")
    create.add_argument("--name", required=True, help="what the key is for; unique among the tenant's live keys")
    create.add_argument("--role", required=True, choices=ROLES, help="viewer reads, operator runs, admin manages")
    create.add_argument("--description", help="a longer note on the key")
    create.add_argument("--expires-at", metavar="TIME", help="ISO 8601 time after which the key is refused")
    create.add_argument("--idempotency-key", help="creating again with the same key answers the same key")
    actions.add_parser("list", help="list the keys: id, name, prefix, role, status, created, expires")
    revoke = actions.add_parser("revoke", help="revoke a key; it is refused from the next request on")
    revoke.add_argument("key", metavar="KEY", help="the key's id or its prefix, as `keys list` shows them")
    rotate = actions.add_parser("rotate", help="replace a key by a new one of the same name and role; prints it")
    rotate.add_argument("key", metavar="KEY", help="the key's id or its prefix, as `keys list` shows them")
    rotate.add_argument("--idempotency-key", help="rotating again with the same key answers the same new key")


def run(settings: config.Settings, args: argparse.Namespace) -> int:
    """Runs one `keys` action."""
    with _api.open_api(settings, f"keys {args.action}") as api:
        if args.action == "create":
            body = {"name": args.name, "role": args.role}
            if args.description is not None:
                body["description"] = args.description
            if args.expires_at is not None:
                body["expires_at"] = args.expires_at
            created = api.call("POST", KEYS_PATH, json=body, idempotency_key=args.idempotency_key)
            article = "an" if created["role"][:1] in "aeiou" else "a"
            _api.note(f"created {article} {created['role']} key {created['api_key_id']}; {ONLY_ONCE}")
            _api.result(created["api_key"])
        elif args.action == "list":
            Console().print(_table(api.call("GET", KEYS_PATH)["api_keys"]))
        elif args.action == "revoke":
            api_key_id = _key_id(api, args.action, args.key)
            api.call("DELETE", f"{KEYS_PATH}/{api_key_id}")
            _api.result(f"revoked key {api_key_id}")
        else:
            api_key_id = _key_id(api, args.action, args.key)
            rotated = api.call("POST", f"{KEYS_PATH}/{api_key_id}/rotate", idempotency_key=args.idempotency_key)
            _api.note(f"key {api_key_id} is revoked; its replacement is {rotated['api_key_id']}; {ONLY_ONCE}")
            _api.result(rotated["new_api_key"])
    return 0


def _key_id(api: _api.Api, action: str, key: str) -> str:
    """The id of the key named by its id or its prefix (`hw_3f9a...` or bare `3f9a...`)."""
    try:
        return str(uuid.UUID(key))
    except ValueError:
        pass
    prefix = "hw_" + key.removeprefix("hw_").partition("_")[0]
    for item in api.call("GET", KEYS_PATH)["api_keys"]:
        if item["key_prefix"] == prefix:
            return str(item["api_key_id"])
    return str(_api.fail(f"keys {action}", f"your tenant has no API key with the id or prefix {key!r}"))


def _table(items: list[dict[str, Any]]) -> Table:
    table = Table(title="API keys")
    for column in ("Id", "Name", "Prefix", "Role", "Status", "Created", "Expires"):
        table.add_column(column, no_wrap=True)
    for item in items:
        table.add_row(
            item["api_key_id"],
            item["name"],
            item["key_prefix"],
            item["role"],
            item["status"],
            status_command.when(item["created_at"]),
            status_command.when(item["expires_at"]),
        )
    return table
