"""`hwe definitions store|list|get`: the tenant's stored workflow definitions, versioned by content.

`store FILE` reads the definition as `hwe submit` does (.json, .yaml or .py); the same content again answers
the version it already has. `get NAME [VERSION]` (latest without one) and `get --hash SHA256` print the stored
definition as JSON on stdout, so it can be saved, edited and submitted or stored again.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any
from urllib import parse

from hwe import config
from hwe.cli import _api, _definitions, _table, _views

PATH = "/api/v1/workflows/definitions"
COLUMNS = (
    _table.Column("Name", shrink=True),
    _table.Column("Version", right=True),
    _table.Column("SHA-256", priority=2),
    _table.Column("Created", priority=1),
)


def add_parser(commands: Any) -> None:
    """Adds `definitions store`, `definitions list` and `definitions get` to the `hwe` command line."""
    parser = commands.add_parser("definitions", help="store workflow definitions by name and version, read them")
    actions = parser.add_subparsers(dest="action", required=True)
    store = actions.add_parser("store", help="store a definition (.json, .yaml or .py); prints NAME VERSION")
    store.add_argument("file", type=Path, metavar="FILE", help="FILE.json, FILE.yaml or FILE.py, as hwe submit")
    store.add_argument("--json", action="store_true", help="print the API's data as JSON instead")
    listing = actions.add_parser("list", help="list the stored versions: name, version, hash, created")
    listing.add_argument("--name", help="only the versions of this definition")
    listing.add_argument("--json", action="store_true", help="print the API's data as JSON instead")
    get = actions.add_parser("get", help="print a stored definition (JSON): NAME [VERSION], or --hash SHA256")
    get.add_argument("name", metavar="NAME", nargs="?", help="the definition's name")
    get.add_argument("version", metavar="VERSION", nargs="?", type=_version, help="its version (default: latest)")
    get.add_argument("--hash", metavar="SHA256", help="the SHA-256 of its canonical JSON, instead of NAME")
    get.add_argument("--json", action="store_true", help="print its name, version, hash and created too")


def run(settings: config.Settings, args: argparse.Namespace) -> int:
    """Runs one `definitions` action; exits 1 when nothing is stored under the name, version or hash."""
    command = f"definitions {args.action}"
    if args.action == "store":
        try:
            body = {"workflow_definition": _definitions.load(args.file)}
        except ValueError as err:
            return int(_api.fail(command, str(err), status=2))
    elif args.action == "get" and (args.hash is None) == (args.name is None):
        return int(_api.fail(command, "give NAME [VERSION] or --hash SHA256, not both", status=2))
    with _api.open_api(settings, command) as api:
        if args.action == "store":
            found = api.call("POST", PATH, json=body)
        elif args.action == "list":
            found = api.call("GET", PATH, params={"name": args.name} if args.name else None)["items"]
        else:
            found = _get(api, command, args)
    if args.json:
        _views.print_json(found)
    elif args.action == "store":
        stored = "stored" if found["created"] else "already stored"
        _api.note(f"{stored} {found['workflow_name']} as version {found['version']}")
        _api.result(f"{found['workflow_name']} {found['version']}")
    elif args.action == "list":
        rows = [
            (i["workflow_name"], i["version"], i["definition_hash"], _views.time_cell(i["created_at"])) for i in found
        ]
        _views.print_table(f"{len(found)} stored version(s)", COLUMNS, rows)
    else:
        _views.print_json(found["definition_json"])
    return 0


def _get(api: _api.Api, command: str, args: argparse.Namespace) -> dict[str, Any]:
    if args.hash is not None:
        found: dict[str, Any] = api.call("GET", f"/api/v1/workflows/by-hash/{parse.quote(args.hash, safe='')}")
        return found
    version = args.version
    if version is None:
        versions = api.call("GET", PATH, params={"name": args.name})["items"]
        if not versions:
            return dict(_api.fail(command, f"no stored definition named {args.name!r} in your tenant"))
        version = max(item["version"] for item in versions)
    found = api.call("GET", f"/api/v1/workflows/{parse.quote(args.name, safe='')}/versions/{version}")
    return found


def _version(raw: str) -> int:
    if not raw.isdigit() or int(raw) < 1:
        raise argparse.ArgumentTypeError("a version is an integer from 1")
    return int(raw)
