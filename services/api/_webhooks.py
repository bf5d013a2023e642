"""Routes under /api/v1/webhooks: subscribe URLs to run events, rotate their secrets, read and requeue deliveries."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import db, secrets, tenants, webhooks
from services.api import _changes, _query, _state

MAX_DELIVERIES = 200
_FIELDS = ("url", "event_types", "description")


async def create_webhook(request: Request) -> Response:
    """Subscribes a URL to run events; the answer holds the signing secret, shown only this once.

    Deliveries are signed as the Standard Webhooks spec has it (`webhook-id`, `webhook-timestamp`,
    `webhook-signature`), retried with back-off, and dead-lettered after the last attempt.
    ---
    tags: [webhooks]
    x-role: operator
    x-body: WebhookRequest
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      201:
        description: the new webhook with its secret
        x-data: NewWebhook
        links:
          GetWebhook: {operationId: get_webhook, parameters: {webhook_id: '$response.body#/data/webhook_id'}}
          DeleteWebhook: {operationId: delete_webhook, parameters: {webhook_id: '$response.body#/data/webhook_id'}}
          RotateSecret: {operationId: rotate_secret, parameters: {webhook_id: '$response.body#/data/webhook_id'}}
          ListDeliveries: {operationId: list_deliveries, parameters: {webhook_id: '$response.body#/data/webhook_id'}}
    """
    principal = await _state.authenticate(request, require="operator")
    body = await _state.read_json_object(request, _FIELDS)
    subscription = webhooks.check_subscription(body.get("url"), body.get("event_types"), body.get("description"))
    state = _state.get(request)
    created = await _changes.change(
        request,
        principal,
        webhooks.create_webhook,
        secrets.open_secret_provider(state.settings),
        principal.tenant_id,
        subscription,
        state.pepper,
        _state.idempotency(request, "create_webhook", body),
    )
    return _state.success(created, status=201)


async def list_webhooks(request: Request) -> Response:
    """Lists the tenant's webhooks, oldest first (never a secret).

    ---
    tags: [webhooks]
    x-role: viewer
    responses:
      200: {description: the webhooks, x-data: WebhookList}
    """
    principal = await _state.authenticate(request)
    return _state.success({"items": await _state.get(request).call(webhooks.list_webhooks, principal.tenant_id)})


async def get_webhook(request: Request) -> Response:
    """Reads one webhook.

    ---
    tags: [webhooks]
    x-role: viewer
    responses:
      200: {description: the webhook, x-data: Webhook}
    """
    principal = await _state.authenticate(request)
    found = await _state.get(request).call(webhooks.get_webhook, principal.tenant_id, _id(request, "webhook_id"))
    return _state.success(found)


async def delete_webhook(request: Request) -> Response:
    """Deletes a webhook and its deliveries; nothing more is sent to it.

    ---
    tags: [webhooks]
    x-role: operator
    responses:
      200: {description: "the id of the deleted webhook: `{webhook_id, deleted: true}`"}
    """
    principal = await _state.authenticate(request, require="operator")
    webhook_id = _id(request, "webhook_id")
    await _changes.change(request, principal, webhooks.delete_webhook, principal.tenant_id, webhook_id)
    return _state.success({"webhook_id": str(webhook_id), "deleted": True})


async def rotate_secret(request: Request) -> Response:
    """Gives a webhook a new signing secret, used from the next attempt on, and shows it this once.

    ---
    tags: [webhooks]
    x-role: operator
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      200: {description: the webhook with its new secret, x-data: NewWebhook}
    """
    principal = await _state.authenticate(request, require="operator")
    state = _state.get(request)
    webhook_id = _id(request, "webhook_id")
    rotated = await _changes.change(
        request,
        principal,
        webhooks.rotate_secret,
        secrets.open_secret_provider(state.settings),
        principal.tenant_id,
        webhook_id,
        state.pepper,
        _state.idempotency(request, "rotate_secret", {"webhook_id": str(webhook_id)}),
    )
    return _state.success(rotated)


async def list_deliveries(request: Request) -> Response:
    """Lists a webhook's deliveries, newest first: `?state=pending|delivered|dead`, `?limit=` (1 to 200, 50).

    ---
    tags: [webhooks]
    x-role: viewer
    responses:
      200: {description: the deliveries, x-data: WebhookDeliveryList}
    parameters:
      - {name: state, in: query, schema: {type: string, enum: [pending, delivered, dead]}}
      - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 200, default: 50}}
    """
    principal = await _state.authenticate(request)
    query = _query.query(request, ("state", "limit"))
    items = await _state.get(request).call(
        webhooks.list_deliveries,
        principal.tenant_id,
        _id(request, "webhook_id"),
        _query.choice(query, "state", webhooks.DELIVERY_STATES),
        _query.integer(query, "limit", 50, 1, MAX_DELIVERIES),
    )
    return _state.success({"items": items})


async def retry_delivery(request: Request) -> Response:
    """Requeues a delivery (a dead letter, or one still backing off): due now, with a fresh count of attempts.

    A webhook disabled by a 410 is enabled again by this.
    ---
    tags: [webhooks]
    x-role: operator
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      200: {description: the requeued delivery, x-data: WebhookDelivery}
    """
    principal = await _state.authenticate(request, require="operator")
    webhook_id, delivery_id = _id(request, "webhook_id"), _id(request, "delivery_id")

    def requeue(conn: db.Connection) -> dict[str, Any]:
        return webhooks.requeue_webhook_delivery(conn, principal.tenant_id, webhook_id, delivery_id)

    ids = {"webhook_id": str(webhook_id), "delivery_id": str(delivery_id)}
    idempotency = _state.idempotency(request, "retry_delivery", ids)
    requeued = await _changes.change(request, principal, tenants.once, principal.tenant_id, idempotency, requeue)
    return _state.success(requeued)


def _id(request: Request, name: str) -> uuid.UUID:
    return _state.path_uuid(request, name)


routes = [
    Route("/api/v1/webhooks", create_webhook, methods=["POST"]),
    Route("/api/v1/webhooks", list_webhooks, methods=["GET"]),
    Route("/api/v1/webhooks/{webhook_id}", get_webhook, methods=["GET"]),
    Route("/api/v1/webhooks/{webhook_id}", delete_webhook, methods=["DELETE"]),
    Route("/api/v1/webhooks/{webhook_id}/rotate-secret", rotate_secret, methods=["POST"]),
    Route("/api/v1/webhooks/{webhook_id}/deliveries", list_deliveries, methods=["GET"]),
    Route("/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry", retry_delivery, methods=["POST"]),
]
