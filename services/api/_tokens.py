"""Routes of highway-sdk 1.0.1's tokens operations: personal tokens, which an admin makes for a person.

A personal token is an API key owned by a person of the tenant (hwe/people.py): it acts with its owner's highest
role of the moment. POSTs honour X-Idempotency-Key; a token's secret appears only in the answer that made it.
"""

from __future__ import annotations

from typing import Any

import yaml
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import db, errors, people, tenants
from services.api import _changes, _people, _query, _state

OPENAPI_SCHEMAS: dict[str, Any] = yaml.safe_load(r"""
TokenRequest:
  type: object
  required: [user_email]
  additionalProperties: false
  properties:
    user_email: {type: string, format: email}
    expires_in_hours: {type: integer, minimum: 1, maximum: 8760, default: 24}
    description: {type: string, maxLength: 1000}
    scopes: {description: "refused: a token acts with its owner's role"}
Token:
  type: object
  required: [token_id, key_prefix, name, user_email, status, created_at, expires_at]
  properties:
    token_id: {type: string, format: uuid}
    key_prefix: {type: string, description: "how the token begins: hw_<prefix>"}
    name: {type: string}
    description: {type: string}
    user_email: {type: string}
    status: {type: string, enum: [active, revoked, expired]}
    created_at: {type: string, format: date-time}
    created_by: {type: [string, "null"]}
    expires_at: {type: string, format: date-time}
    revoked_at: {type: [string, "null"], format: date-time}
NewToken:
  allOf:
    - {$ref: '#/components/schemas/Token'}
    - type: object
      required: [token, message]
      properties:
        token: {type: string, description: "the full token; shown only in this answer"}
        message: {type: string}
TokenList:
  type: object
  required: [tokens, total, page, per_page]
  properties:
    tokens: {type: array, items: {$ref: '#/components/schemas/Token'}}
    total: {type: integer}
    page: {type: integer}
    per_page: {type: integer}
RevokedToken:
  type: object
  required: [token_id, status, message]
  properties:
    token_id: {type: string, format: uuid}
    status: {type: string, enum: [revoked]}
    message: {type: string}
RevokedTokens:
  type: object
  required: [user_email, revoked_count, message]
  properties:
    user_email: {type: string}
    revoked_count: {type: integer}
    message: {type: string}
RevocationReason:
  type: object
  additionalProperties: false
  properties:
    reason: {type: string, maxLength: 1000}
""")


async def create_token(request: Request) -> Response:
    """Creates a personal token for a person of the caller's tenant; the full token is in this answer only.

    The token acts with its owner's highest role at the time of each request, stops working when they are made
    inactive or removed, and expires after `expires_in_hours` (24 by default, at most a year). `scopes` is
    refused: a token's rights are its owner's role.
    ---
    tags: [tokens]
    x-role: admin
    x-body: TokenRequest
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      201:
        description: the new token
        x-data: NewToken
        links:
          GetToken:
            operationId: get_token
            parameters: {token_id: '$response.body#/data/token_id'}
      404: {$ref: '#/components/responses/NotFound'}
    """
    principal = await _state.authenticate(request, require="admin")
    body = await _state.read_json_object(request, ("user_email", "expires_in_hours", "description", "scopes"))
    if "scopes" in body:
        raise errors.InvalidRequest(
            "unsupported_scopes", "scopes is not supported: a token acts with the role of the person who owns it"
        )
    hours, description = body.get("expires_in_hours", people.DEFAULT_TOKEN_HOURS), body.get("description", "")
    if isinstance(hours, bool) or not isinstance(hours, int):
        raise errors.InvalidRequest("invalid_expires_in_hours", f"expires_in_hours: 1 to {people.MAX_TOKEN_HOURS}")
    if not isinstance(description, str) or len(description) > 1000:
        raise errors.InvalidRequest("invalid_description", "description: at most 1000 characters")
    spec = people.NewToken(people.normalize_email(body.get("user_email")), hours, description)
    state = _state.get(request)
    token = await _changes.change(
        request,
        principal,
        people.create_token,
        principal.tenant_id,
        spec,
        _people.actor(principal),
        state.pepper,
        _state.idempotency(request, "create_token", body),
    )
    message = "Store this token securely. It will not be shown again."
    return _state.success({**token, "message": message}, status=201)


async def list_tokens(request: Request) -> Response:
    """A page of the caller's tenant's personal tokens, oldest first; never a secret.

    ---
    tags: [tokens]
    x-role: admin
    parameters:
      - {name: user_email, in: query, schema: {type: string}}
      - {name: include_revoked, in: query, schema: {type: boolean, default: false}}
      - {name: page, in: query, schema: {type: integer, minimum: 1, maximum: 1000, default: 1}}
      - {name: per_page, in: query, schema: {type: integer, minimum: 1, maximum: 200, default: 50}}
    responses:
      200: {description: the tokens, x-data: TokenList}
    """
    principal = await _state.authenticate(request, require="admin")
    params = _query.query(request, ("user_email", "include_revoked", "page", "per_page"))
    user_email = _query.text(params, "user_email", people.MAX_EMAIL_CHARS)
    include_revoked = _query.boolean(params, "include_revoked", False)
    page = _people.page(params)
    tokens, total = await _state.get(request).call(
        people.list_tokens, principal.tenant_id, user_email, include_revoked, page
    )
    return _state.success(_people.page_answer("tokens", tokens, total, page))


async def get_token(request: Request) -> Response:
    """One personal token of the caller's tenant; never its secret.

    ---
    tags: [tokens]
    x-role: admin
    responses:
      200: {description: the token, x-data: Token}
    """
    principal = await _state.authenticate(request, require="admin")
    token_id = _state.path_uuid(request, "token_id")
    return _state.success(await _state.get(request).call(people.get_token, principal.tenant_id, token_id))


async def revoke_token(request: Request) -> Response:
    """Revokes a personal token: it is refused (401) from the next request on.

    A body is optional; one with a `reason` is recorded in the audit trail's request record.
    ---
    tags: [tokens]
    x-role: admin
    responses:
      200: {description: the token is revoked, x-data: RevokedToken}
      409: {$ref: '#/components/responses/Conflict'}
    """
    principal = await _state.authenticate(request, require="admin")
    token_id = _state.path_uuid(request, "token_id")
    await _people.optional_reason(request)
    revoked = await _changes.change(request, principal, people.revoke_token, principal.tenant_id, token_id)
    _people.forget(request, [revoked["key_prefix"].removeprefix("hw_")])
    shown = {"token_id": revoked["token_id"], "status": "revoked", "message": f"token {token_id} revoked"}
    return _state.success(shown)


async def revoke_user_tokens(request: Request) -> Response:
    """Revokes every live personal token of one person (offboarding, a lost laptop); none left is not an error.

    ---
    tags: [tokens]
    x-role: admin
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      200: {description: how many were revoked, x-data: RevokedTokens}
    """
    principal = await _state.authenticate(request, require="admin")
    await _people.optional_reason(request)
    email = request.path_params["user_email"]

    def revoke_all(conn: db.Connection) -> dict[str, Any]:
        return {"revoked": people.revoke_all_tokens(conn, principal.tenant_id, email)}

    idempotency = _state.idempotency(request, "revoke_user_tokens", {"user_email": email})
    answer = await _changes.change(request, principal, tenants.once, principal.tenant_id, idempotency, revoke_all)
    revoked = answer["revoked"]
    _people.forget(request, [prefix.removeprefix("hw_") for prefix in revoked])
    email = email.strip().lower()
    return _state.success(
        {"user_email": email, "revoked_count": len(revoked), "message": f"{len(revoked)} tokens of {email} revoked"}
    )


routes = [
    Route("/api/v1/admin/tokens", create_token, methods=["POST"]),
    Route("/api/v1/admin/tokens", list_tokens, methods=["GET"]),
    Route("/api/v1/admin/tokens/revoke-all/{user_email}", revoke_user_tokens, methods=["POST"]),
    Route("/api/v1/admin/tokens/{token_id}", get_token, methods=["GET"]),
    Route("/api/v1/admin/tokens/{token_id}", revoke_token, methods=["DELETE"]),
]
