"""`hwe templates list|get`: the verified workflow definitions the API serves to start from.

`get NAME` prints the template's workflow definition as JSON on stdout, so it can be saved and submitted
(`hwe templates get hello_shell > hello.json && hwe submit hello.json --input who=me`); its example inputs
go to stderr as `--input` flags.
"""

from __future__ import annotations

import argparse
import json
import shlex
from typing import Any
from urllib import parse

from hwe import config
from hwe.cli import _api, _table, _views

COLUMNS = (
    _table.Column("Name"),
    _table.Column("Description", priority=2, shrink=True),
    _table.Column("Example inputs", priority=1, shrink=True),
)


def add_parser(commands: Any) -> None:
    """Adds `templates list` and `templates get` to the `hwe` command line."""
    parser = commands.add_parser("templates", help="list the workflow templates, or print one to submit")
    actions = parser.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="list the templates: name, description, example inputs")
    listing.add_argument("--json", action="store_true", help="print the API's data as JSON instead")
    get = actions.add_parser("get", help="print a template's workflow definition (JSON), ready for hwe submit")
    get.add_argument("name", metavar="NAME", help="the template's name, as `hwe templates list` shows it")
    get.add_argument("--json", action="store_true", help="print the whole template (with inputs) instead")


def run(settings: config.Settings, args: argparse.Namespace) -> int:
    """Runs one `templates` action; exits 1 for an unknown template."""
    with _api.open_api(settings, f"templates {args.action}") as api:
        if args.action == "list":
            items = api.call("GET", "/api/v1/dsl_templates")["items"]
        else:
            template = api.call("GET", f"/api/v1/dsl_templates/{parse.quote(args.name, safe='')}")
    if args.action == "list":
        if args.json:
            _views.print_json(items)
        else:
            rows = [(item["name"], item.get("description"), item.get("inputs")) for item in items]
            _views.print_table(f"{len(items)} template(s)", COLUMNS, rows)
        return 0
    if args.json:
        _views.print_json(template)
        return 0
    _views.print_json(template["workflow_definition"])
    _api.note(f"template {template['name']}: save this to FILE.json and run: hwe submit FILE.json{_flags(template)}")
    return 0


def _flags(template: dict[str, Any]) -> str:
    """The example inputs as `--input` flags a shell reads back as the same values."""
    pairs = []
    for key, value in (template.get("inputs") or {}).items():
        raw = value if isinstance(value, str) and not _is_json(value) else json.dumps(value)
        pairs.append(f" --input {shlex.quote(f'{key}={raw}')}")
    return "".join(pairs)


def _is_json(raw: str) -> bool:
    # `hwe submit --input` reads a value that is valid JSON as JSON, so such a string must be quoted.
    try:
        json.loads(raw)
    except ValueError:
        return False
    return True
