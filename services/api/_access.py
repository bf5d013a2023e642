"""Routes that manage tenants and API keys, at highway-sdk 1.0.1's paths; all of them need an admin.

Keys are managed within the caller's tenant only. A key made here has a name (unique among the tenant's live
keys), a role, an optional description and expiry; keys made by `hwe migrate`, `hwe bootstrap-key` and tenant
creation have an empty name and show here too. Rotation replaces a key by a new one of the same name and role in
one transaction. Tenants are created by admins of the bootstrap tenant (`default`); a new tenant gets a queue of
its own and a first admin key. POSTs honour X-Idempotency-Key; a full key appears only in the answer that made it
(and its replays).
"""

from __future__ import annotations

import datetime
from typing import Any

import yaml
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import errors, tenants
from services.api import _changes, _state

MAX_NAME_CHARS = 200
MAX_DESCRIPTION_CHARS = 1000
ONE_TIME_MESSAGE = "Store this API key securely. It will not be shown again."

OPENAPI_SCHEMAS: dict[str, Any] = yaml.safe_load(r"""
AdminKeyRequest:
  type: object
  required: [name, role]
  additionalProperties: false
  properties:
    name: {type: string, minLength: 1, maxLength: 200}
    role: {$ref: '#/components/schemas/Role'}
    description: {type: string, maxLength: 1000}
    expires_at: {type: [string, "null"], format: date-time, description: "in the future; null: never"}
AdminKey:
  type: object
  required: [api_key_id, key_prefix, name, role, status, created_at, rate_limit]
  properties:
    api_key_id: {type: string, format: uuid}
    key_prefix: {type: string, description: "how the key begins: hw_<prefix>"}
    name: {type: string, description: "empty for keys made without a name"}
    description: {type: string}
    role: {$ref: '#/components/schemas/Role'}
    status: {type: string, enum: [active, revoked, expired]}
    created_at: {type: string, format: date-time}
    created_by: {type: [string, "null"]}
    expires_at: {type: [string, "null"], format: date-time}
    revoked_at: {type: [string, "null"], format: date-time}
    rate_limit: {type: integer, description: "requests per minute this key may send (the API's per-key budget)"}
NewAdminKey:
  allOf:
    - {$ref: '#/components/schemas/AdminKey'}
    - type: object
      required: [api_key, message]
      properties:
        api_key: {type: string, description: "the full key; shown only in this answer"}
        message: {type: string}
AdminKeyList:
  type: object
  required: [api_keys, total]
  properties:
    api_keys: {type: array, items: {$ref: '#/components/schemas/AdminKey'}}
    total: {type: integer}
RevokedAdminKey:
  type: object
  required: [api_key_id, status, message]
  properties:
    api_key_id: {type: string, format: uuid}
    status: {type: string, enum: [revoked]}
    message: {type: string}
RotatedAdminKey:
  type: object
  required: [api_key_id, new_api_key, new_key_prefix, old_key_revoked, message]
  properties:
    api_key_id: {type: string, format: uuid, description: "the new key's id"}
    old_api_key_id: {type: string, format: uuid}
    new_api_key: {type: string, description: "the full new key; shown only in this answer"}
    new_key_prefix: {type: string}
    old_key_revoked: {type: boolean}
    message: {type: string}
TenantList:
  type: object
  required: [tenants, total]
  properties:
    tenants: {type: array, items: {type: string}}
    total: {type: integer}
""")


async def create_admin_api_key(request: Request) -> Response:
    """Creates a named API key of a role for the caller's tenant; the full key is in this answer only.

    `permissions` and `ip_whitelist`, which the SDK's documentation mentions, are refused (400): a key's rights are
    its role's, and no key is bound to addresses.
    ---
    tags: [api_keys]
    x-role: admin
    x-body: AdminKeyRequest
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      201:
        description: the new key
        x-data: NewAdminKey
        links:
          GetAdminKey:
            operationId: get_admin_api_key
            parameters: {api_key_id: '$response.body#/data/api_key_id'}
          RevokeAdminKey:
            operationId: revoke_admin_api_key
            parameters: {api_key_id: '$response.body#/data/api_key_id'}
          RotateAdminKey:
            operationId: rotate_admin_api_key
            parameters: {api_key_id: '$response.body#/data/api_key_id'}
    """
    principal = await _state.authenticate(request, require="admin")
    body = await _state.read_json_object(
        request, ("name", "role", "description", "expires_at", "permissions", "ip_whitelist")
    )
    spec = _named_key(body)
    state = _state.get(request)
    created = await _changes.change(
        request,
        principal,
        tenants.create_named_api_key,
        principal.tenant_id,
        spec,
        _creator(principal),
        state.pepper,
        _state.idempotency(request, "create_admin_api_key", body),
    )
    return _state.success({**_shown(request, created), "message": ONE_TIME_MESSAGE}, status=201)


async def list_admin_api_keys(request: Request) -> Response:
    """Lists the caller's tenant's API keys, oldest first, revoked and expired ones included; never a secret.

    ---
    tags: [api_keys]
    x-role: admin
    responses:
      200: {description: "the tenant's keys", x-data: AdminKeyList}
    """
    principal = await _state.authenticate(request, require="admin")
    keys = await _state.get(request).call(tenants.list_named_api_keys, principal.tenant_id)
    return _state.success({"api_keys": [_shown(request, key) for key in keys], "total": len(keys)})


async def get_admin_api_key(request: Request) -> Response:
    """One of the caller's tenant's API keys; never its secret.

    ---
    tags: [api_keys]
    x-role: admin
    responses:
      200: {description: the key, x-data: AdminKey}
    """
    principal = await _state.authenticate(request, require="admin")
    api_key_id = _state.path_uuid(request, "api_key_id")
    key = await _state.get(request).call(tenants.get_named_api_key, principal.tenant_id, api_key_id)
    return _state.success(_shown(request, key))


async def revoke_admin_api_key(request: Request) -> Response:
    """Revokes one of the caller's tenant's API keys: it is refused (401) from the next request on.

    A body is not needed; one with a `reason` string is accepted and recorded in the audit trail's request record.
    ---
    tags: [api_keys]
    x-role: admin
    responses:
      200: {description: the key is revoked, x-data: RevokedAdminKey}
      409: {$ref: '#/components/responses/Conflict'}
    """
    principal = await _state.authenticate(request, require="admin")
    api_key_id = _state.path_uuid(request, "api_key_id")
    if await request.body():
        await _state.read_json_object(request, ("reason",))
    state = _state.get(request)
    revoked = await _changes.change(request, principal, tenants.revoke_api_key_by_id, principal.tenant_id, api_key_id)
    state.principals.forget(revoked["key_prefix"].removeprefix("hw_"))
    return _state.success(
        {"api_key_id": revoked["api_key_id"], "status": "revoked", "message": f"API key {api_key_id} revoked"}
    )


async def rotate_admin_api_key(request: Request) -> Response:
    """Replaces one of the caller's tenant's live keys by a new key of the same name, role, description and expiry.

    One transaction: once this answers, the old key is refused (401) and the new one works. The full new key is in
    this answer only (and in a replay with the same X-Idempotency-Key).
    ---
    tags: [api_keys]
    x-role: admin
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      200: {description: the new key, x-data: RotatedAdminKey}
    """
    principal = await _state.authenticate(request, require="admin")
    api_key_id = _state.path_uuid(request, "api_key_id")
    state = _state.get(request)
    rotated = await _changes.change(
        request,
        principal,
        tenants.rotate_api_key,
        principal.tenant_id,
        api_key_id,
        _creator(principal),
        state.pepper,
        _state.idempotency(request, "rotate_admin_api_key", {"api_key_id": str(api_key_id)}),
    )
    state.principals.forget(rotated["rotated_from"]["key_prefix"].removeprefix("hw_"))
    return _state.success(
        {
            "api_key_id": rotated["api_key_id"],
            "old_api_key_id": rotated["rotated_from"]["api_key_id"],
            "new_api_key": rotated["api_key"],
            "new_key_prefix": rotated["key_prefix"],
            "old_key_revoked": True,
            "message": ONE_TIME_MESSAGE,
        }
    )


async def create_tenant(request: Request) -> Response:
    """Creates a tenant with its own queue, and returns its first admin key (shown only here).

    Only an admin of the bootstrap tenant `default` may create tenants. The queue is named after the
    tenant, with `-` turned into `_`.
    ---
    tags: [tenants]
    x-role: admin
    x-body: TenantRequest
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      201: {description: the tenant and its first admin key, x-data: NewTenant}
    """
    principal = await _state.authenticate(request, require="admin")
    body = await _state.read_json_object(request, ("tenant_id",))
    if "tenant_id" not in body:
        raise errors.InvalidRequest("missing_field", "the body needs a 'tenant_id' string")
    state = _state.get(request)
    created = await _changes.change(
        request,
        principal,
        tenants.register_tenant,
        principal.tenant_id,
        body["tenant_id"],
        state.pepper,
        _state.idempotency(request, "create_tenant", body),
    )
    return _state.success(created, status=201)


async def list_tenants(request: Request) -> Response:
    """The tenants the caller's admin key may see: every tenant for an admin of `default`, else its own.

    ---
    tags: [tenants]
    x-role: admin
    responses:
      200: {description: "the tenants' ids, oldest first", x-data: TenantList}
    """
    principal = await _state.authenticate(request, require="admin")
    if principal.tenant_id == tenants.BOOTSTRAP_TENANT:
        ids = await _state.get(request).call(tenants.list_tenant_ids)
    else:
        ids = [principal.tenant_id]
    return _state.success({"tenants": ids, "total": len(ids)})


def _named_key(body: dict[str, Any]) -> tenants.NamedKey:
    """The key an admin asks for, once every field is checked."""
    for refused in ("permissions", "ip_whitelist"):
        if refused in body:
            raise errors.InvalidRequest(
                f"unsupported_{refused}",
                f"{refused} is not supported: a key's rights are those of its 'role' (admin, operator or viewer)",
            )
    name, role, description = body.get("name"), body.get("role"), body.get("description", "")
    if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME_CHARS or not name.isprintable():
        raise errors.InvalidRequest("invalid_name", f"name: 1 to {MAX_NAME_CHARS} printable characters")
    if role not in tenants.ROLES:
        raise errors.InvalidRequest("invalid_role", f"role: one of {', '.join(tenants.ROLES)}")
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION_CHARS:
        raise errors.InvalidRequest("invalid_description", f"description: at most {MAX_DESCRIPTION_CHARS} characters")
    return tenants.NamedKey(name, role, description, _expiry(body.get("expires_at")))


def _expiry(raw: Any) -> datetime.datetime | None:
    if raw is None:
        return None
    try:
        if not isinstance(raw, str):
            raise ValueError(raw)
        expires_at = datetime.datetime.fromisoformat(raw)
    except ValueError as err:
        raise errors.InvalidRequest("invalid_expires_at", "expires_at: an ISO 8601 date and time, or null") from err
    if expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=datetime.UTC)
    if expires_at <= datetime.datetime.now(datetime.UTC):
        raise errors.InvalidRequest("invalid_expires_at", "expires_at must be in the future")
    return expires_at


def _creator(principal: tenants.Principal) -> str:
    return f"key:hw_{principal.key_prefix}"


def _shown(request: Request, key: dict[str, Any]) -> dict[str, Any]:
    """A key as the admin operations answer it: without its tenant, with the per-key request budget."""
    per_minute = int(_state.get(request).settings.api_rate_limit_per_second * 60)
    shown = {name: value for name, value in key.items() if name not in ("tenant_id", "user_email")}
    return {**shown, "rate_limit": per_minute}


routes = [
    Route("/api/v1/tenants", create_tenant, methods=["POST"]),
    Route("/api/v1/tenants", list_tenants, methods=["GET"]),
    Route("/api/v1/admin/api-keys", create_admin_api_key, methods=["POST"]),
    Route("/api/v1/admin/api-keys", list_admin_api_keys, methods=["GET"]),
    Route("/api/v1/admin/api-keys/{api_key_id}", get_admin_api_key, methods=["GET"]),
    Route("/api/v1/admin/api-keys/{api_key_id}", revoke_admin_api_key, methods=["DELETE"]),
    Route("/api/v1/admin/api-keys/{api_key_id}/rotate", rotate_admin_api_key, methods=["POST"]),
]
