"""What every request handler shares: settings, the pool, the pepper, authentication and roles,
and the helpers that read requests and write the response envelopes."""

from __future__ import annotations

import functools
import hashlib
import json
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
import psycopg_pool
from starlette.requests import Request
from starlette.responses import JSONResponse

from hwe import config, db, errors, fields, tenants
from services.api import _metrics, _principals, _ratelimit

T = TypeVar("T")

# Each role may do what the roles below it may: viewer reads, operator also runs, admin also manages.
ROLE_RANK = {"viewer": 0, "operator": 1, "admin": 2}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_IDEMPOTENCY_KEY_CHARS = 255
REQUEST_ID_HEADER = "x-request-id"
# The forms of the path parameters this API knows; any other is text of at most MAX_PATH_PARAMETER_CHARS
# printable characters. `authenticate` checks every path parameter against these, for every route.
UUID_PATH_PARAMETERS = frozenset(
    {
        "workflow_run_id",
        "webhook_id",
        "delivery_id",
        "schedule_id",
        "worker_id",
        "activity_id",
        "run_id",
        "app_id",
        "version_id",
        "installation_id",
        "api_key_id",
        "token_id",
        "invitation_id",
    }
)
INTEGER_PATH_PARAMETERS = frozenset({"log_id"})
MAX_PATH_PARAMETER_CHARS = 255
MAX_INTEGER_PATH_DIGITS = 18  # within a bigint
MAX_UUID_CHARS = 45  # urn:uuid: and the 36 characters
# Where the guard middleware leaves the JSON object body it parsed and checked (in the request's state).
JSON_BODY = "json_body"


@dataclass(frozen=True)
class ApiState:
    """Resources the lifespan opened for the whole process."""

    settings: config.Settings
    pool: psycopg_pool.ConnectionPool[db.Connection]
    pepper: str
    limiter: anyio.CapacityLimiter
    rate_limits: _ratelimit.TokenBuckets
    metrics: _metrics.ApiMetrics
    principals: _principals.PrincipalCache

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Runs the engine function `fn(conn, *args)` in a thread, on a pooled connection."""
        call = functools.partial(db.with_connection, self.pool, fn, *args)
        return await anyio.to_thread.run_sync(call, limiter=self.limiter)


def get(request: Request) -> ApiState:
    """The process-wide state of the application serving this request."""
    state: ApiState = request.app.state.api
    return state


async def authenticate(request: Request, require: str | None = None) -> tenants.Principal:
    """Resolves the Bearer API key to its tenant and role, and checks the role and the rate limit.

    This is the one place that decides what a role may do.

    Args:
        request: the request.
        require: the least role the endpoint needs; by default `viewer` for GET and HEAD, else
            `operator`.

    Raises:
        Unauthorized: no key, or a key that is not valid (unknown, revoked, wrong secret).
        RateLimited: the key used up its request budget for now.
        Forbidden: the key's role is below the one required.
        NotFound: a path parameter cannot name anything (see `check_path_parameters`).
    """
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        raise errors.Unauthorized("missing API key: send Authorization: Bearer <key>")
    state = get(request)
    principal = state.principals.get(key)
    if principal is None:
        lookup = state.principals.begin()
        principal = await state.call(tenants.authenticate, key, state.pepper)
        state.principals.put(key, principal, lookup)
    retry_after = state.rate_limits.take(key.split("_")[1])
    if retry_after is not None:
        raise errors.RateLimited("too many requests for this API key", retry_after)
    needed = require or ("viewer" if request.method in SAFE_METHODS else "operator")
    if ROLE_RANK[principal.role] < ROLE_RANK[needed]:
        raise errors.Forbidden(f"this needs the {needed} role; the API key's role is {principal.role}")
    check_path_parameters(request)
    return principal


def check_path_parameters(request: Request) -> None:
    """Refuses (404) a path parameter that cannot name anything: the one check of path parameters.

    A UUID parameter (`UUID_PATH_PARAMETERS`) must be a UUID, an integer one (`INTEGER_PATH_PARAMETERS`) at
    most 18 ASCII digits, any other at most `MAX_PATH_PARAMETER_CHARS` printable characters. Run by
    `authenticate`, after the key and role checks, so every endpoint refuses such a URL the same way; the
    OpenAPI document gives each path parameter the schema `path_parameter_schema` describes.

    Raises:
        NotFound: the parameter and why it names nothing (the value is not repeated).
    """
    for name, value in request.path_params.items():
        if not isinstance(value, str):
            continue  # a Starlette convertor already parsed it
        if name in UUID_PATH_PARAMETERS:
            path_uuid(request, name)
        elif name in INTEGER_PATH_PARAMETERS:
            if not (0 < len(value) <= MAX_INTEGER_PATH_DIGITS and value.isascii() and value.isdigit()):
                raise errors.NotFound(f"no such {name}: it is a positive integer")
        elif not (0 < len(value) <= MAX_PATH_PARAMETER_CHARS and value.isprintable()):
            raise errors.NotFound(f"no such {name}: it is 1 to {MAX_PATH_PARAMETER_CHARS} printable characters")


def path_uuid(request: Request, name: str) -> uuid.UUID:
    """The path parameter `name` as a UUID.

    Raises:
        NotFound: it is not a UUID (any form `uuid.UUID` reads, of at most 45 characters).
    """
    value: str = request.path_params[name]
    try:
        if len(value) > MAX_UUID_CHARS:
            raise ValueError(name)
        return uuid.UUID(value)
    except ValueError as err:
        raise errors.NotFound(f"no such {name}: it is a UUID") from err


def path_parameter_schema(name: str) -> dict[str, Any]:
    """The OpenAPI schema of a path parameter, as `check_path_parameters` checks it."""
    if name in UUID_PATH_PARAMETERS:
        return {"type": "string", "format": "uuid"}
    if name in INTEGER_PATH_PARAMETERS:
        return {"type": "integer", "minimum": 1, "maximum": 10**MAX_INTEGER_PATH_DIGITS - 1}
    return {"type": "string", "minLength": 1, "maxLength": MAX_PATH_PARAMETER_CHARS}


async def read_json_object(request: Request, allowed: Collection[str]) -> dict[str, Any]:
    """The request's JSON object body, whose fields are all among `allowed`; the guard middleware has
    already checked size, depth and content.

    Every handler that takes a JSON body reads it here, so a misspelt field is a 400 that names it
    (and the field meant) wherever it is sent, never a field silently ignored.

    Raises:
        InvalidRequest: the body is empty, is an upload rather than JSON, or has a field not in
            `allowed` (code `unknown_field`).
    """
    body: dict[str, Any] | None = request.scope.get("state", {}).get(JSON_BODY)
    if body is None:  # the guard parses every JSON body: what is left is no body or an upload
        if not await request.body():
            raise errors.InvalidRequest("missing_body", "send a JSON object body (application/json)")
        raise errors.InvalidRequest("unsupported_media_type", "send the body as application/json (UTF-8)")
    fields.check_body(body, allowed)
    return body


def idempotency(request: Request, operation: str, body: dict[str, Any]) -> tenants.Idempotency | None:
    """The request's X-Idempotency-Key with the hash of its body, or None when it sent none.

    Raises:
        InvalidRequest: the key is empty, too long, or not printable ASCII.
    """
    key = request.headers.get("x-idempotency-key")
    if key is None:
        return None
    if not 0 < len(key) <= MAX_IDEMPOTENCY_KEY_CHARS or not key.isprintable() or not key.isascii():
        raise errors.InvalidRequest(
            "bad_idempotency_key",
            f"X-Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY_CHARS} printable ASCII characters",
        )
    request_hash = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    return tenants.Idempotency(operation=operation, key=key, request_hash=request_hash)


def request_id(request: Request) -> str:
    """The id the guard middleware gave this request (it is in every error body and log line about it)."""
    value: str = request.scope.get("state", {}).get("request_id") or "unknown"
    return value


def success(data: Any, status: int = 200) -> JSONResponse:
    """The success envelope: `{"status": "success", "data": ...}`."""
    return JSONResponse({"status": "success", "data": data}, status_code=status)


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    request_id: str,
    details: Any = None,
    headers: dict[str, str] | None = None,
    **top_level: Any,
) -> JSONResponse:
    """The error envelope: `{"status": "error", "code", "message", "details", "request_id"}`."""
    body = {
        "status": "error",
        "code": code,
        "message": message,
        "details": details,
        "request_id": request_id,
        **top_level,
    }
    return JSONResponse(body, status_code=status, headers={**(headers or {}), REQUEST_ID_HEADER: request_id})
