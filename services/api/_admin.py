"""Routes that manage tenants and API keys; all of them need an admin key.

Keys are managed within the caller's tenant only. Tenants are created by admins of the bootstrap
tenant (`default`); a new tenant gets a queue of its own and a first admin key. POSTs honour
X-Idempotency-Key; a full key appears only in the answer that created it (and its replays).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import errors, tenants
from services.api import _changes, _state


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
      409: {$ref: '#/components/responses/Conflict'}
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


async def create_key(request: Request) -> Response:
    """Creates an API key of a role for the caller's tenant; the full key is in this answer only.

    ---
    tags: [keys]
    x-role: admin
    x-body: KeyRequest
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      201:
        description: the new key
        x-data: NewKey
        links:
          RevokeKey: {operationId: revoke_key, parameters: {prefix: '$response.body#/data/prefix'}}
      409: {$ref: '#/components/responses/Conflict'}
    """
    principal = await _state.authenticate(request, require="admin")
    body = await _state.read_json_object(request, ("role",))
    if "role" not in body:
        raise errors.InvalidRequest("missing_field", f"the body needs a 'role': one of {', '.join(tenants.ROLES)}")
    state = _state.get(request)
    created = await _changes.change(
        request,
        principal,
        tenants.issue_api_key,
        principal.tenant_id,
        body["role"],
        state.pepper,
        _state.idempotency(request, "create_key", body),
    )
    return _state.success(created, status=201)


async def list_keys(request: Request) -> Response:
    """Lists the API keys of the caller's tenant, revoked ones included; never a secret or a hash.

    ---
    tags: [keys]
    x-role: admin
    responses:
      200: {description: "the tenant's keys, oldest first", x-data: KeyList}
    """
    principal = await _state.authenticate(request, require="admin")
    keys = await _state.get(request).call(tenants.list_api_keys, principal.tenant_id)
    return _state.success({"items": keys})


async def revoke_key(request: Request) -> Response:
    """Revokes one of the caller's tenant's API keys; it is refused (401) from the next request on.

    Revoking a revoked key answers 200 with its first revocation time.
    ---
    tags: [keys]
    x-role: admin
    responses:
      200: {description: the revoked key, x-data: Key}
    """
    principal = await _state.authenticate(request, require="admin")
    prefix = request.path_params["prefix"]
    revoked = await _changes.change(request, principal, tenants.revoke_api_key, principal.tenant_id, prefix)
    _state.get(request).principals.forget(revoked["prefix"])
    return _state.success(revoked)


routes = [
    Route("/api/v1/tenants", create_tenant, methods=["POST"]),
    Route("/api/v1/keys", create_key, methods=["POST"]),
    Route("/api/v1/keys", list_keys, methods=["GET"]),
    Route("/api/v1/keys/{prefix}", revoke_key, methods=["DELETE"]),
]
