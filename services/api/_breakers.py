"""Routes of circuit breakers: list, read and reset the breakers a tenant's tools are called through.

A breaker belongs to one tenant and one tool function (hwe.circuit); its `resource_key` is that function's
name as the task names it (`tools.http.request`, `apps.acme.crm.lookup`). The key is the rest of the path,
percent-decoded, so a key with `/` or `:` is sent as it is or percent-encoded (`%2F`, `%3A`); a key that
ends in `/reset` is read by `POST .../{resource_key}/reset` up to its last `/reset`.
"""

from __future__ import annotations

import functools
from typing import Any

import yaml
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import circuit, db, tenants
from services.api import _changes, _query, _state

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
MAX_KEY_CHARS = 255

OPENAPI_SCHEMAS: dict[str, Any] = yaml.safe_load(r"""
CircuitBreaker:
  type: object
  required: [resource_key, state, failure_count, success_count, open_until, seconds_until_reopen, updated_at]
  properties:
    resource_key: {type: string, description: the tool function the breaker guards}
    state: {type: string, enum: [closed, open, half_open]}
    failure_count: {type: integer, minimum: 0, description: failures in a row}
    success_count: {type: integer, minimum: 0, description: successes in a row while half-open}
    open_until: {type: [string, 'null'], format: date-time}
    seconds_until_reopen:
      type: [number, 'null']
      minimum: 0
      description: time left before an open breaker admits a probe
    updated_at: {type: string, format: date-time}
CircuitBreakerList:
  type: object
  required: [circuit_breakers, summary, next_cursor]
  properties:
    circuit_breakers: {type: array, items: {$ref: '#/components/schemas/CircuitBreaker'}}
    summary:
      type: object
      required: [total, open, closed, half_open]
      properties:
        total: {type: integer, minimum: 0}
        open: {type: integer, minimum: 0}
        closed: {type: integer, minimum: 0}
        half_open: {type: integer, minimum: 0}
    next_cursor: {type: [string, 'null'], description: pass as cursor to read the next page; null on the last}
CircuitBreakerReset:
  type: object
  required: [resource_key, reset, previous_state]
  properties:
    resource_key: {type: string}
    reset: {const: true}
    previous_state: {type: string, enum: [closed, open, half_open]}
CircuitBreakersReset:
  type: object
  required: [reset_count]
  properties:
    reset_count: {type: integer, minimum: 0, description: how many breakers were reset}
""")


async def list_circuit_breakers(request: Request) -> Response:
    """Lists the tenant's circuit breakers by resource key, one page at a time, with counts by state.

    A tool whose calls never failed has no breaker yet (it is closed). `state` is case-insensitive.
    ---
    tags: [circuit-breakers]
    x-role: viewer
    parameters:
      - {name: state, in: query, schema: {type: string, enum: [closed, open, half_open, CLOSED, OPEN, HALF_OPEN]}}
      - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 500, default: 100}}
      - {name: cursor, in: query, description: the next_cursor of the previous page, schema: {type: string,
         minLength: 1, maxLength: 255}}
    responses:
      200: {description: one page of breakers and the counts of all, x-data: CircuitBreakerList}
    """
    principal = await _state.authenticate(request, require="viewer")
    query = dict(_query.query(request, ("state", "limit", "cursor")))
    if "state" in query:
        query["state"] = query["state"].lower()
    state = _query.choice(query, "state", circuit.STATES)
    cursor = _query.text(query, "cursor", MAX_KEY_CHARS)
    limit = _query.integer(query, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    items, summary = await _state.get(request).call(_list, principal.tenant_id, state, cursor, limit)
    page = items[:limit]
    next_cursor = page[-1]["resource_key"] if len(items) > limit else None
    return _state.success({"circuit_breakers": page, "summary": summary, "next_cursor": next_cursor})


def _list(
    conn: db.Connection, tenant_id: str, state: str | None, after: str | None, limit: int
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    with conn.transaction():  # one snapshot: the page and the counts agree
        items = circuit.list_circuit_breakers(conn, tenant_id, state=state, after=after, limit=limit + 1)
        return items, circuit.count_circuit_breakers(conn, tenant_id)


async def get_circuit_breaker(request: Request) -> Response:
    """Reads the tenant's breaker for one resource key (a tool function).

    ---
    tags: [circuit-breakers]
    x-role: viewer
    responses:
      200: {description: the breaker, x-data: CircuitBreaker}
    """
    principal = await _state.authenticate(request, require="viewer")
    key = _resource_key(request)
    found = await _state.get(request).call(circuit.get_circuit_breaker, principal.tenant_id, key)
    return _state.success(found)


async def reset_circuit_breakers(request: Request) -> Response:
    """Resets every circuit breaker of the tenant: each is closed, its counts forgotten.

    Other tenants' breakers are untouched. Calls in flight record their outcome in a fresh breaker.
    ---
    tags: [circuit-breakers]
    x-role: operator
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      200: {description: how many breakers were reset, x-data: CircuitBreakersReset}
    """
    principal = await _state.authenticate(request, require="operator")
    idem = _state.idempotency(request, "reset_circuit_breakers", {})
    reset = functools.partial(_reset_all, tenant_id=principal.tenant_id)
    answer = await _changes.change(request, principal, tenants.once, principal.tenant_id, idem, reset)
    return _state.success(answer)


def _reset_all(conn: db.Connection, *, tenant_id: str) -> dict[str, Any]:
    return {"reset_count": circuit.reset_circuit_breakers(conn, tenant_id)}


async def reset_circuit_breaker(request: Request) -> Response:
    """Resets the tenant's breaker for one resource key: it is closed, its counts forgotten.

    ---
    tags: [circuit-breakers]
    x-role: operator
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      200: {description: the breaker was reset, x-data: CircuitBreakerReset}
    """
    principal = await _state.authenticate(request, require="operator")
    key = _resource_key(request)
    idem = _state.idempotency(request, "reset_circuit_breaker", {"resource_key": key})
    reset = functools.partial(_reset_one, tenant_id=principal.tenant_id, key=key)
    answer = await _changes.change(request, principal, tenants.once, principal.tenant_id, idem, reset)
    return _state.success(answer)


def _reset_one(conn: db.Connection, *, tenant_id: str, key: str) -> dict[str, Any]:
    previous = circuit.reset_circuit_breaker(conn, tenant_id, key)
    return {"resource_key": key, "reset": True, "previous_state": previous}


def _resource_key(request: Request) -> str:
    # `authenticate` already refused (404) a key that is empty, too long or not printable.
    key: str = request.path_params["resource_key"]
    return key


routes = [
    Route("/api/v1/circuit-breakers", list_circuit_breakers, methods=["GET"]),
    Route("/api/v1/circuit-breakers/reset", reset_circuit_breakers, methods=["POST"]),
    Route("/api/v1/circuit-breakers/{resource_key:path}/reset", reset_circuit_breaker, methods=["POST"]),
    Route("/api/v1/circuit-breakers/{resource_key:path}", get_circuit_breaker, methods=["GET"]),
]
