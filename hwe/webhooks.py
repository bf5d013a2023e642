"""Webhooks: a tenant's subscriptions of URLs to run events, and the outbox of their deliveries.

The API manages subscriptions and reads deliveries; services/audit claims due deliveries and records each
attempt. Deliveries are written by database triggers in the transaction of the change they announce
(hwe/migrations/highway_0.1.70_webhooks.sql), never by this module. A webhook's signing secret (`whsec_` and base64,
as the Standard Webhooks spec has it) lives in the secret provider under the tenant's `webhook-<id>`, and is
shown to the caller once, at creation and at rotation. Functions take the caller's connection and never commit.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from dataclasses import dataclass
from typing import Any
from urllib import parse

from hwe import db, errors, outbound, tenants
from hwe import secrets as secret_store

EVENT_TYPES = ("run.started", "run.completed", "run.failed", "run.cancelled", "run.waiting", "task.failed")
DELIVERY_STATES = ("pending", "delivered", "dead")
MAX_URL_CHARS = 2048
MAX_DESCRIPTION_CHARS = 500
SECRET_PREFIX = "whsec_"  # noqa: S105 (the spec's prefix, not a secret)


@dataclass(frozen=True)
class Delivery:
    """A claimed delivery, ready to send: the body is the payload JSON, the id its `webhook-id` header."""

    delivery_id: str
    webhook_id: str
    tenant_id: str
    event_type: str
    payload: dict[str, Any]
    attempts: int
    url: str


def check_subscription(url: Any, event_types: Any, description: Any) -> tuple[str, list[str], str]:
    """The subscription's fields, checked: an http(s) URL with a host, known event types, a short description.

    Raises:
        InvalidRequest: a field is missing or invalid (a URL the parser rejects too); the message names it.
    """
    if not isinstance(url, str) or not url or len(url) > MAX_URL_CHARS:
        raise errors.InvalidRequest("invalid_field", f"'url' must be a URL of 1 to {MAX_URL_CHARS} characters")
    try:
        parsed = parse.urlsplit(url)
        parsed.port  # noqa: B018 (raises for a port that is not a number from 0 to 65535)
    except ValueError as err:  # urlsplit raises for some malformed URLs (an unclosed "[") instead of parsing them
        raise errors.InvalidRequest("invalid_field", "'url' is not a valid URL") from err
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise errors.InvalidRequest("invalid_field", "'url' must be an http:// or https:// URL with a host")
    if outbound.is_link_local_or_metadata(parsed.hostname):
        raise errors.InvalidRequest("invalid_field", "'url' names a link-local or metadata address: never allowed")
    if parsed.username or parsed.password:
        raise errors.InvalidRequest("invalid_field", "'url' must not carry credentials; use the signature instead")
    if not isinstance(event_types, list) or not event_types or not all(isinstance(t, str) for t in event_types):
        raise errors.InvalidRequest("invalid_field", f"'event_types' must be a non-empty list of: {_types()}")
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if unknown:
        raise errors.InvalidRequest("invalid_field", f"unknown event types {unknown}; known: {_types()}")
    if description is None:
        description = ""
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION_CHARS:
        raise errors.InvalidRequest(
            "invalid_field", f"'description' must be a string of at most {MAX_DESCRIPTION_CHARS} characters"
        )
    return url, sorted(set(event_types)), description


def create_webhook(
    conn: db.Connection,
    provider: secret_store.SecretProvider,
    tenant_id: str,
    subscription: tuple[str, list[str], str],
    pepper: str,
    idempotency: tenants.Idempotency | None,
) -> dict[str, Any]:
    """Creates a webhook and its signing secret; returns the webhook with `secret` (shown only this once).

    Under an idempotency key the same request answers the same webhook and secret.

    Raises:
        IdempotencyConflict: the idempotency key was used before with a different request.
        SecretStoreRefused, SecretStoreUnavailable: the secret could not be stored.
    """
    url, event_types, description = subscription
    with conn.transaction():
        stored = tenants.claim_idempotency_key(conn, tenant_id, idempotency)
        derived = tenants.derive_secret_bytes(pepper, tenant_id, idempotency)
        signing = _secret(derived or secrets.token_bytes(32))
        if stored is not None:
            return {**stored, "secret": signing}
        webhook_id = uuid.uuid4()
        provider.set_tenant_secret(tenant_id, _secret_name(webhook_id), signing)
        params = {
            "webhook_id": webhook_id,
            "tenant_id": tenant_id,
            "url": url,
            "event_types": event_types,
            "description": description,
        }
        created = _public(db.execute(conn, "insert_webhook", params)[0])
        tenants.record_idempotent_response(conn, tenant_id, idempotency, created)
    return {**created, "secret": signing}


def list_webhooks(conn: db.Connection, tenant_id: str) -> list[dict[str, Any]]:
    """The tenant's webhooks, oldest first (never a secret)."""
    return [_public(row) for row in db.execute(conn, "list_webhooks", {"tenant_id": tenant_id})]


def get_webhook(conn: db.Connection, tenant_id: str, webhook_id: uuid.UUID) -> dict[str, Any]:
    """One of the tenant's webhooks.

    Raises:
        WebhookNotFound: the tenant has no webhook with that id.
    """
    return _one(db.execute(conn, "get_webhook", {"tenant_id": tenant_id, "webhook_id": webhook_id}))


def delete_webhook(conn: db.Connection, tenant_id: str, webhook_id: uuid.UUID) -> None:
    """Deletes one of the tenant's webhooks with its deliveries; nothing more is sent to it.

    Raises:
        WebhookNotFound: the tenant has no webhook with that id.
    """
    _one(db.execute(conn, "delete_webhook", {"tenant_id": tenant_id, "webhook_id": webhook_id}))


def rotate_secret(
    conn: db.Connection,
    provider: secret_store.SecretProvider,
    tenant_id: str,
    webhook_id: uuid.UUID,
    pepper: str,
    idempotency: tenants.Idempotency | None,
) -> dict[str, Any]:
    """Gives a webhook a new signing secret, used from the next attempt on; returns the webhook with `secret`.

    Under an idempotency key the secret is derived from the key (as `create_webhook` does), so a replay answers
    the same secret without it being stored with the key's response.

    Raises:
        WebhookNotFound: the tenant has no webhook with that id.
        IdempotencyConflict: the idempotency key was used before with a different request.
    """
    with conn.transaction():
        stored = tenants.claim_idempotency_key(conn, tenant_id, idempotency)
        derived = tenants.derive_secret_bytes(pepper, tenant_id, idempotency)
        signing = _secret(derived or secrets.token_bytes(32))
        if stored is not None:
            return {**stored, "secret": signing}
        webhook = _one(db.execute(conn, "touch_webhook", {"tenant_id": tenant_id, "webhook_id": webhook_id}))
        provider.set_tenant_secret(tenant_id, _secret_name(webhook_id), signing)
        tenants.record_idempotent_response(conn, tenant_id, idempotency, webhook)
    return {**webhook, "secret": signing}


def signing_secret(provider: secret_store.SecretProvider, delivery: Delivery) -> str:
    """The current signing secret of the delivery's webhook."""
    return provider.get_tenant_secret(delivery.tenant_id, _secret_name(uuid.UUID(delivery.webhook_id)))


def list_deliveries(
    conn: db.Connection, tenant_id: str, webhook_id: uuid.UUID, state: str | None, limit: int
) -> list[dict[str, Any]]:
    """A webhook's deliveries, newest first, optionally only those in `state`.

    Raises:
        InvalidRequest: `state` is not pending, delivered or dead.
        WebhookNotFound: the tenant has no webhook with that id.
    """
    if state is not None and state not in DELIVERY_STATES:
        raise errors.InvalidRequest("invalid_filter", f"'state' must be one of {', '.join(DELIVERY_STATES)}")
    get_webhook(conn, tenant_id, webhook_id)
    params = {"tenant_id": tenant_id, "webhook_id": webhook_id, "state": state, "limit": limit}
    return [_public(row) for row in db.execute(conn, "list_webhook_deliveries", params)]


def requeue_webhook_delivery(
    conn: db.Connection, tenant_id: str, webhook_id: uuid.UUID, delivery_id: uuid.UUID
) -> dict[str, Any]:
    """Makes a delivery due now with a fresh count of attempts (a dead letter gets another chance).

    Raises:
        DeliveryNotFound: the webhook has no such delivery (or the tenant no such webhook).
    """
    params = {"tenant_id": tenant_id, "webhook_id": webhook_id, "delivery_id": delivery_id}
    rows = db.execute(conn, "requeue_webhook_delivery", params)
    if not rows:
        raise errors.DeliveryNotFound(f"no delivery {delivery_id} of webhook {webhook_id}")
    return _public(rows[0])


def claim_webhook_deliveries(conn: db.Connection, limit: int, lease_seconds: float) -> list[Delivery]:
    """Claims due deliveries for one attempt each; unrecorded, each is due again after `lease_seconds`."""
    rows = db.execute(conn, "claim_webhook_deliveries", {"limit": limit, "lease_seconds": lease_seconds})
    return [
        Delivery(
            delivery_id=str(row["delivery_id"]),
            webhook_id=str(row["webhook_id"]),
            tenant_id=row["tenant_id"],
            event_type=row["event_type"],
            payload=row["payload"],
            attempts=row["attempts"],
            url=row["url"],
        )
        for row in rows
    ]


def record_delivery_succeeded(conn: db.Connection, delivery: Delivery, status_code: int) -> None:
    """The receiver answered 2xx: the delivery is done."""
    db.execute(conn, "record_delivery_succeeded", {"delivery_id": delivery.delivery_id, "status_code": status_code})


def record_delivery_failed(
    conn: db.Connection,
    delivery: Delivery,
    *,
    status_code: int | None,
    error: str,
    retry_after_seconds: float,
    max_attempts: int,
    give_up: bool = False,
) -> str:
    """Records a failed attempt; returns the delivery's state: `pending` (retried later) or `dead`."""
    params = {
        "delivery_id": delivery.delivery_id,
        "status_code": status_code,
        "error": error[:500],
        "retry_after_seconds": retry_after_seconds,
        "max_attempts": max_attempts,
        "give_up": give_up,
    }
    rows = db.execute(conn, "record_delivery_failed", params)
    return str(rows[0]["state"]) if rows else "dead"


def disable_webhook(conn: db.Connection, webhook_id: str, reason: str) -> None:
    """Stops sending to a webhook (its receiver said 410 Gone) until one of its deliveries is requeued."""
    db.execute(conn, "disable_webhook", {"webhook_id": webhook_id, "reason": reason})


def webhook_backlog(conn: db.Connection) -> db.Row:
    """`pending`, `dead` and `oldest_pending_seconds` over every tenant, for the metrics."""
    return db.execute(conn, "webhook_backlog")[0]


def _one(rows: list[db.Row]) -> dict[str, Any]:
    if not rows:
        raise errors.WebhookNotFound("no such webhook")
    return _public(rows[0])


def _secret(raw: bytes) -> str:
    return SECRET_PREFIX + base64.b64encode(raw).decode()


def _secret_name(webhook_id: uuid.UUID) -> str:
    return f"webhook-{webhook_id}"


def _types() -> str:
    return ", ".join(EVENT_TYPES)


def _public(row: db.Row) -> dict[str, Any]:
    """A row as JSON: ids as strings, timestamps in ISO 8601."""
    return {name: _json_value(value) for name, value in row.items()}


def _json_value(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    return value.isoformat() if hasattr(value, "isoformat") else value
