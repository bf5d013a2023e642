"""`hwe webhooks create|list|get|delete|rotate-secret|deliveries|retry-delivery`: run events sent to your URLs.

The audit service delivers them, signed as the Standard Webhooks spec has it; these commands manage the
subscriptions and read or requeue their deliveries through `/api/v1/webhooks`. A signing secret is shown only
by `create` and `rotate-secret`, on stdout, once.
"""

from __future__ import annotations

import argparse
from typing import Any
from urllib import parse

from hwe import config
from hwe.cli import _api, _table, _views

PATH = "/api/v1/webhooks"
DELIVERY_STATES = ("pending", "delivered", "dead")
WEBHOOK_COLUMNS = (
    _table.Column("Webhook"),
    _table.Column("URL", shrink=True),
    _table.Column("Event types", priority=1, shrink=True),
    _table.Column("State"),
)
DELIVERY_COLUMNS = (
    _table.Column("Delivery"),
    _table.Column("Event"),
    _table.Column("Run", priority=3),
    _table.Column("State"),
    _table.Column("Attempts", priority=2, right=True),
    _table.Column("Last status", priority=2, right=True),
    _table.Column("Next attempt", priority=4),
    _table.Column("Last error", priority=1, shrink=True),
)


def add_parser(commands: Any) -> None:
    """Adds `webhooks` and its actions to the `hwe` command line."""
    parser = commands.add_parser("webhooks", help="subscribe URLs to run events; read and requeue deliveries")
    actions = parser.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="subscribe a URL; prints its signing secret (shown only this once)")
    create.add_argument("url", metavar="URL", help="the http:// or https:// URL that receives the events")
    create.add_argument(
        "--event-type",
        dest="event_types",
        action="append",
        required=True,
        metavar="TYPE",
        # Not argparse choices: the API owns the list, and its refusal names every known type.
        help="an event type to send (repeatable): run.started, run.completed, run.failed, ...",
    )
    create.add_argument("--description", help="a note for people (at most 500 characters)")
    create.add_argument("--idempotency-key", help="creating again with the same key answers the same webhook")
    create.add_argument("--json", action="store_true", help="print the API's data (secret included) as JSON")
    _json(actions.add_parser("list", help="list the webhooks, oldest first (never a secret)"))
    for action, help_text in (
        ("get", "show one webhook"),
        ("delete", "delete a webhook and its deliveries"),
        ("rotate-secret", "give a webhook a new signing secret; prints it (shown only this once)"),
    ):
        one = actions.add_parser(action, help=help_text)
        one.add_argument("webhook_id", metavar="ID", help="the webhook id")
        if action != "delete":
            _json(one)
    deliveries = actions.add_parser("deliveries", help="list a webhook's deliveries, newest first")
    deliveries.add_argument("webhook_id", metavar="ID", help="the webhook id")
    deliveries.add_argument("--state", choices=DELIVERY_STATES, help="only deliveries in this state")
    deliveries.add_argument("--limit", type=int, default=50, help="at most this many (1 to 200, default 50)")
    _json(deliveries)
    retry = actions.add_parser("retry-delivery", help="requeue a delivery (a dead letter, or one backing off)")
    retry.add_argument("webhook_id", metavar="ID", help="the webhook id")
    retry.add_argument("delivery_id", metavar="DELIVERY", help="the delivery id")
    _json(retry)


def _json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the API's data as JSON instead")


def run(settings: config.Settings, args: argparse.Namespace) -> int:
    """Runs one `webhooks` action; exits 1 when the API refuses it or the webhook does not exist."""
    with _api.open_api(settings, f"webhooks {args.action}") as api:
        found = _call(api, args)
    if args.action == "delete":
        _api.result(f"deleted webhook {args.webhook_id}")
    elif args.json:
        _views.print_json(found)
    elif args.action in ("create", "rotate-secret"):
        done = "created" if args.action == "create" else "rotated the secret of"
        _api.note(f"{done} webhook {found['webhook_id']} for {found['url']}; its secret follows, shown only this once")
        _api.result(found["secret"])
    elif args.action == "list":
        rows = [(w["webhook_id"], w["url"], ",".join(w["event_types"]), w["state"]) for w in found]
        _views.print_table(f"{len(found)} webhook(s)", WEBHOOK_COLUMNS, rows)
    elif args.action == "get":
        _print_webhook(found)
    elif args.action == "deliveries":
        _print_deliveries(found)
    else:
        _api.result(f"requeued delivery {found['delivery_id']}: {found['state']}, due now")
    return 0


def _call(api: _api.Api, args: argparse.Namespace) -> Any:
    if args.action == "create":
        body = {"url": args.url, "event_types": args.event_types}
        if args.description is not None:
            body["description"] = args.description
        return api.call("POST", PATH, json=body, idempotency_key=args.idempotency_key)
    if args.action == "list":
        return api.call("GET", PATH)["items"]
    path = f"{PATH}/{parse.quote(args.webhook_id, safe='')}"
    if args.action == "get":
        return api.call("GET", path)
    if args.action == "delete":
        return api.call("DELETE", path)
    if args.action == "rotate-secret":
        return api.call("POST", f"{path}/rotate-secret")
    if args.action == "deliveries":
        params = {"limit": args.limit, **({"state": args.state} if args.state else {})}
        return api.call("GET", f"{path}/deliveries", params=params)["items"]
    return api.call("POST", f"{path}/deliveries/{parse.quote(args.delivery_id, safe='')}/retry")


def _print_webhook(found: dict[str, Any]) -> None:
    fields = [
        ("Webhook", found["webhook_id"]),
        ("URL", found["url"]),
        ("Event types", ", ".join(found["event_types"])),
        ("Description", found.get("description")),
        ("State", found["state"]),
        ("Disabled because", found.get("disabled_reason")),
        ("Created", _views.when(found.get("created_at"))),
        ("Updated", _views.when(found.get("updated_at"))),
    ]
    _views.print_fields("webhook", fields)


def _print_deliveries(items: list[dict[str, Any]]) -> None:
    rows = [
        (
            d["delivery_id"],
            d["event_type"],
            d["workflow_run_id"],
            d["state"],
            d["attempts"],
            d.get("last_status_code"),
            _views.time_cell(d.get("next_attempt_at")),
            d.get("last_error"),
        )
        for d in items
    ]
    _views.print_table(f"{len(items)} delivery(ies), newest first", DELIVERY_COLUMNS, rows)
