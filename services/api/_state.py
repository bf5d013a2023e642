"""What every request handler shares: settings, the pool, the pepper, authentication and roles,
and the helpers that read requests and write the response envelopes."""

from __future__ import annotations

import functools
import hashlib
import json
import urllib.parse
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
import psycopg_pool
from starlette.requests import Request
from starlette.responses import JSONResponse

from hwe import config, db, errors, fields, sessions, tenants
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
    sign_in_limits: _ratelimit.TokenBuckets
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


async def authenticate(
    request: Request, require: str | None = None, csrf_token: str | None = None
) -> tenants.Principal:
    """Resolves the caller (a Bearer API key, else the console's session cookie) to its tenant and role, and checks
    the role, the rate limit and, for a cookie, the CSRF token.

    This is the one place that decides who calls and what a role may do. A browser sends the session cookie
    with any request, whichever site made it, so a cookie-authenticated request whose method is not safe must
    also carry the session's CSRF token (which another site cannot read) and, if it has an Origin, this API's
    own. A Bearer key is never sent by a browser on its own, so it needs neither.

    Args:
        request: the request.
        require: the least role the endpoint needs; by default `viewer` for GET and HEAD, else
            `operator`.
        csrf_token: the CSRF token a console form sent in its `csrf_token` field; without it, the
            `X-CSRF-Token` header is read.

    Raises:
        Unauthorized: no key and no session, or a key or session that is not valid (unknown, revoked, expired,
            wrong secret, its person disabled).
        Forbidden: the role is below the one required, or a cookie request that changes something came without
            the session's CSRF token or from another origin (code `csrf_failed`).
        RateLimited: the key (or person) used up its request budget for now.
        NotFound: a path parameter cannot name anything (see `check_path_parameters`).
    """
    state = get(request)
    header = request.headers.get("authorization", "")
    cookie = "" if header else request.cookies.get(sessions.COOKIE_NAME, "")
    if not cookie:
        scheme, _, key = header.partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            raise errors.Unauthorized("missing API key: send Authorization: Bearer <key>")
        principal = state.principals.get(key)
        if principal is None:
            lookup = state.principals.begin()
            principal = await state.call(tenants.authenticate, key, state.pepper)
            state.principals.put(key, principal, lookup)
        budget = key.split("_")[1]
    else:
        if request.method not in SAFE_METHODS:
            check_csrf(request, cookie, csrf_token)
        principal = await state.call(sessions.resolve, cookie)
        # A key's session shares the key's budget; a person's sessions share one per person.
        budget = principal.key_prefix or f"{principal.tenant_id}/{principal.user_email}"
    retry_after = state.rate_limits.take(budget)
    if retry_after is not None:
        raise errors.RateLimited("too many requests for this API key", retry_after)
    needed = require or ("viewer" if request.method in SAFE_METHODS else "operator")
    if ROLE_RANK[principal.role] < ROLE_RANK[needed]:
        raise errors.Forbidden(f"this needs the {needed} role; the caller's role is {principal.role}")
    check_path_parameters(request)
    return principal


def check_csrf(request: Request, cookie: str, csrf_token: str | None = None) -> None:
    """Refuses a cookie request that changes something unless it carries the session's CSRF token (the form's
    `csrf_token`, else the X-CSRF-Token header) and, when it has an Origin header, comes from this API's origin.

    Raises:
        Forbidden: code `csrf_failed`.
    """
    sent = csrf_token if csrf_token is not None else request.headers.get("x-csrf-token")
    if not sessions.csrf_token_matches(get(request).pepper, cookie, sent):
        raise errors.Forbidden(
            "send the session's CSRF token (X-CSRF-Token header or csrf_token field)", code="csrf_failed"
        )
    check_origin(request)


def check_sign_in_rate(request: Request) -> None:
    """Takes one of the client address's sign-in attempts (`[api] sign_in_per_minute`): a limit on guessing across
    many accounts, where the per-account lock-out limits guessing one. The address is the one the API sees (behind
    a proxy, the proxy's, unless uvicorn trusts its forwarded headers: FORWARDED_ALLOW_IPS).

    Raises:
        RateLimited: the address used up its attempts for now.
    """
    address = request.client.host if request.client is not None else "unknown"
    retry_after = get(request).sign_in_limits.take(address)
    if retry_after is not None:
        raise errors.RateLimited("too many sign-in attempts from this address; wait and try again", retry_after)


def check_origin(request: Request) -> None:
    """Refuses a request whose Origin header, when it has one, is not this API's origin (browsers send it with
    every cross-site POST, so a sign-in form posted from another site is refused too).

    Raises:
        Forbidden: code `csrf_failed`.
    """
    origin = request.headers.get("origin")
    if origin is None:
        return
    # Behind a proxy that ends TLS the API sees http://, the browser https://: `[api] public_url` names the latter.
    public = urllib.parse.urlsplit(get(request).settings.api_public_url or "")
    allowed = {f"{request.url.scheme}://{request.url.netloc}", f"{public.scheme}://{public.netloc}"}
    if origin not in allowed:
        raise errors.Forbidden("the request comes from another origin than this API's", code="csrf_failed")


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
    return None if key is None else idempotency_of(operation, key, body, "X-Idempotency-Key")


def idempotency_of(operation: str, key: str, body: dict[str, Any], source: str) -> tenants.Idempotency:
    """An idempotency key from `source` (the header, or a console form's hidden field) with the hash of the request.

    Raises:
        InvalidRequest: the key is empty, too long, or not printable ASCII.
    """
    if not 0 < len(key) <= MAX_IDEMPOTENCY_KEY_CHARS or not key.isprintable() or not key.isascii():
        raise errors.InvalidRequest(
            "bad_idempotency_key", f"{source} must be 1 to {MAX_IDEMPOTENCY_KEY_CHARS} printable ASCII characters"
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
