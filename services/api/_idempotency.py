"""Routes of idempotency keys: forget one or all of the tenant's (admin; for tests and recovery).

A forgotten key is usable again for every kind of request: management requests (their stored answers
are deleted) and run submissions (the run is kept, without the key). See hwe.idempotency. The key is
the rest of the path, percent-decoded, so a key with `/` is sent as it is or as `%2F`. The reset honours
X-Idempotency-Key (its own key is the one it keeps): a repeat answers the first answer.
"""

from __future__ import annotations

from typing import Any

import yaml
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import errors, idempotency
from services.api import _changes, _state

OPENAPI_SCHEMAS: dict[str, Any] = yaml.safe_load(r"""
IdempotencyKeyDeleted:
  type: object
  required: [idempotency_key, records_deleted]
  properties:
    idempotency_key: {type: string}
    records_deleted: {type: integer, minimum: 0, description: stored answers and runs that held the key (0 when none)}
IdempotencyKeysReset:
  type: object
  required: [records_deleted]
  properties:
    records_deleted: {type: integer, minimum: 0, description: stored answers and runs that held a key}
""")


async def delete_idempotency_key(request: Request) -> Response:
    """Forgets one of the tenant's idempotency keys, for every kind of request; 200 even when it was unknown.

    The runs a submission created with the key are kept; a new submission with the key creates a new run.
    ---
    tags: [idempotency]
    x-role: admin
    responses:
      200: {description: the key is forgotten, x-data: IdempotencyKeyDeleted}
    """
    principal = await _state.authenticate(request, require="admin")
    key: str = request.path_params["idempotency_key"]
    if not 0 < len(key) <= _state.MAX_IDEMPOTENCY_KEY_CHARS or not key.isprintable() or not key.isascii():
        raise errors.InvalidRequest(
            "bad_idempotency_key",
            f"an idempotency key is 1 to {_state.MAX_IDEMPOTENCY_KEY_CHARS} printable ASCII characters",
        )
    deleted = await _changes.change(request, principal, idempotency.delete_idempotency_key, principal.tenant_id, key)
    return _state.success({"idempotency_key": key, "records_deleted": deleted})


async def reset_idempotency_keys(request: Request) -> Response:
    """Forgets every idempotency key of the tenant (never another tenant's); the runs are kept.

    The reset's own X-Idempotency-Key, if sent, is kept, so that a repeat answers the first answer.
    ---
    tags: [idempotency]
    x-role: admin
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      200: {description: every key is forgotten, x-data: IdempotencyKeysReset}
    """
    principal = await _state.authenticate(request, require="admin")
    idem = _state.idempotency(request, "reset_idempotency_keys", {})
    answer = await _changes.change(request, principal, idempotency.reset_idempotency_keys, principal.tenant_id, idem)
    return _state.success(answer)


routes = [
    Route("/api/v1/idempotency/reset-all", reset_idempotency_keys, methods=["POST"]),
    Route("/api/v1/idempotency/{idempotency_key:path}", delete_idempotency_key, methods=["DELETE"]),
]
