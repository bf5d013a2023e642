"""Routes of signing in and out at highway-sdk 1.0.1's auth paths, and the site's front door (/, /login, favicon).

Signing in with an email and password opens a console session (hwe/sessions.py) carried by an HttpOnly cookie;
`_state.authenticate` reads that cookie when a request has no Bearer key. OAuth/OIDC sign-in is not offered: its
entry points answer 501 and say what to use instead. The cookie helpers here are shared with the console's
sign-in pages (services/api/ui/_session_pages.py).
"""

from __future__ import annotations

import datetime
import urllib.parse
from pathlib import Path
from typing import Any

import yaml
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from hwe import errors, sessions
from services.api import _state

FAVICON = (Path(__file__).parent / "ui" / "assets" / "favicon.svg").read_bytes()
NO_OIDC = (
    "OAuth/OIDC sign-in is not configured on this server: sign in with your email and password at /login, "
    "or use an API key"
)

OPENAPI_SCHEMAS: dict[str, Any] = yaml.safe_load(r"""
SignInRequest:
  type: object
  required: [email, password]
  additionalProperties: false
  properties:
    email: {type: string, minLength: 1, maxLength: 254}
    password: {type: string, minLength: 1, maxLength: 256}
    tenant_id: {type: [string, "null"], description: "needed only when the email has accounts in several tenants"}
SignedIn:
  type: object
  required: [status, email, tenant_id, roles, expires_at, csrf_token]
  properties:
    status: {const: success}
    email: {type: string}
    tenant_id: {type: string}
    roles: {type: array, items: {$ref: '#/components/schemas/Role'}}
    expires_at: {type: string, format: date-time, description: "the session's absolute expiry"}
    csrf_token: {type: string, description: "send it as X-CSRF-Token with every cookie request that changes something"}
SignedOut:
  type: object
  required: [status, message]
  properties:
    status: {const: success}
    message: {type: string}
VerifyRequest:
  type: object
  required: [token]
  additionalProperties: false
  properties:
    token: {type: string, minLength: 1, description: "a session cookie's value or an API key"}
VerifiedToken:
  type: object
  required: [status, email, tenant_id, role, expires_at]
  properties:
    status: {const: success}
    email: {type: [string, "null"], description: "the person; null for a machine's API key"}
    tenant_id: {type: string}
    role: {$ref: '#/components/schemas/Role'}
    expires_at: {type: [string, "null"], format: date-time, description: "null: it does not expire"}
""")


async def sign_in(request: Request) -> Response:
    """Signs in with an email and password and opens a console session (Set-Cookie `hwe_session`).

    An unknown email, a wrong password and a disabled account are refused alike (401 `invalid_credentials`).
    Five failures in a row lock the account for 15 minutes (429 `locked_out`, with Retry-After), and one client
    address may try `[api] sign_in_per_minute` times a minute (429 `rate_limited`). A person with
    accounts in several tenants names one (`tenant_id`), else 400 `tenant_required`. An X-Idempotency-Key is
    accepted but never replays a sign-in: each one opens a session of its own.
    ---
    security: []
    tags: [auth]
    x-body: SignInRequest
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      200:
        description: signed in; the session cookie is set (HttpOnly, SameSite=Lax, Path=/, Secure by default)
        content:
          application/json: {schema: {$ref: '#/components/schemas/SignedIn'}}
      401: {$ref: '#/components/responses/Unauthorized'}
      403: {$ref: '#/components/responses/Forbidden'}
      429: {$ref: '#/components/responses/TooManyRequests'}
    """
    _state.check_origin(request)
    _state.check_sign_in_rate(request)
    body = await _state.read_json_object(request, ("email", "password", "tenant_id"))
    email, password, tenant_id = body.get("email"), body.get("password"), body.get("tenant_id")
    if not isinstance(email, str) or not email or not isinstance(password, str) or not password:
        raise errors.InvalidRequest("bad_request", "send email and password, each a non-empty string")
    if tenant_id is not None and not isinstance(tenant_id, str):
        raise errors.InvalidRequest("bad_request", "tenant_id: a string, or leave it out")
    state = _state.get(request)
    ttl = state.settings.api_session_ttl_seconds
    try:
        signed = await state.call(sessions.sign_in, email, password, tenant_id or None, ttl)
    except errors.Unauthorized as exc:
        return _state.error_response(401, "invalid_credentials", str(exc), request_id=_state.request_id(request))
    except errors.RateLimited as exc:
        return locked_out(request, exc)
    answer = {
        "status": "success",
        "email": signed.email,
        "tenant_id": signed.tenant_id,
        "roles": signed.roles,
        "expires_at": signed.expires_at.isoformat(),
        "csrf_token": sessions.csrf_token(state.pepper, signed.token),
    }
    response = JSONResponse(answer)
    await replace_session(request, response, signed.token)
    return response


def locked_out(request: Request, exc: errors.RateLimited) -> Response:
    """The 429 `locked_out` answer, with Retry-After."""
    headers = {"Retry-After": str(int(exc.retry_after))}
    return _state.error_response(429, "locked_out", str(exc), request_id=_state.request_id(request), headers=headers)


async def oidc_sign_in(request: Request) -> Response:
    """OAuth/OIDC sign-in: not configured here (501 `oidc_not_configured`).

    ---
    security: []
    tags: [auth]
    responses:
      501: {description: "OIDC is not configured: sign in with email and password at /login, or an API key"}
    """
    return _state.error_response(501, "oidc_not_configured", NO_OIDC, request_id=_state.request_id(request))


async def oauth_sign_in(request: Request) -> Response:
    """The OAuth entry point: not configured here (501 `oidc_not_configured`).

    ---
    security: []
    tags: [auth]
    responses:
      501: {description: "OIDC is not configured: sign in with email and password at /login, or an API key"}
    """
    return _state.error_response(501, "oidc_not_configured", NO_OIDC, request_id=_state.request_id(request))


async def sign_out(request: Request) -> Response:
    """Signs out: revokes the calling session server-side and clears its cookie.

    A cookie request needs the session's CSRF token (X-CSRF-Token). Without a session there is nothing to revoke,
    and the answer is the same.
    ---
    security: []
    tags: [auth]
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      200:
        description: signed out
        content:
          application/json: {schema: {$ref: '#/components/schemas/SignedOut'}}
      403: {$ref: '#/components/responses/Forbidden'}
    """
    cookie = request.cookies.get(sessions.COOKIE_NAME, "")
    if cookie:
        _state.check_csrf(request, cookie)
        await _state.get(request).call(sessions.revoke, cookie)
    response = JSONResponse({"status": "success", "message": "signed out"})
    clear_session_cookie(request, response)
    return response


async def sign_out_and_redirect(request: Request) -> Response:
    """Signs out (revokes the session, clears its cookie), then 303 to `on_success_redirect` if it is a local
    path, else to /login.

    ---
    security: []
    tags: [auth]
    parameters:
      - {name: on_success_redirect, in: query, required: false, schema: {type: string}}
      - {name: on_failure_redirect, in: query, required: false, schema: {type: string}}
    responses:
      303: {description: "signed out; to the local page named, else to /login"}
    """
    cookie = request.cookies.get(sessions.COOKIE_NAME, "")
    if cookie:
        await _state.get(request).call(sessions.revoke, cookie)
    response = RedirectResponse(local_path(request.query_params.get("on_success_redirect"), "/", "/login"), 303)
    clear_session_cookie(request, response)
    return response


async def verify_token(request: Request) -> Response:
    """Says what a session token or an API key stands for: its person (if any), tenant, role and expiry.

    ---
    security: []
    tags: [auth]
    x-body: VerifyRequest
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      200:
        description: a live session or a valid API key
        content:
          application/json: {schema: {$ref: '#/components/schemas/VerifiedToken'}}
      401: {$ref: '#/components/responses/Unauthorized'}
    """
    body = await _state.read_json_object(request, ("token",))
    token = body.get("token")
    if not isinstance(token, str) or not token:
        raise errors.InvalidRequest("bad_request", "token: a non-empty string")
    state = _state.get(request)
    try:
        described = await state.call(sessions.describe, token, state.pepper)
    except errors.Unauthorized:
        message = "the token is not a live session or a valid API key"
        return _state.error_response(401, "invalid_token", message, request_id=_state.request_id(request))
    expires_at: datetime.datetime | None = described["expires_at"]
    return JSONResponse(
        {"status": "success", **described, "expires_at": expires_at.isoformat() if expires_at else None}
    )


async def login_page(request: Request) -> Response:
    """The sign-in page lives in the console: 303 to /ui/login (with the same query).

    ---
    security: []
    tags: [auth]
    responses:
      303: {description: to /ui/login}
    """
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse("/ui/login" + query, status_code=303)


async def front_page(request: Request) -> Response:
    """The site's front page is the console: 303 to /ui.

    ---
    security: []
    tags: [meta]
    responses:
      303: {description: to /ui}
    """
    return RedirectResponse("/ui", status_code=303)


async def favicon(request: Request) -> Response:
    """The site's icon (SVG).

    ---
    security: []
    tags: [meta]
    responses:
      200:
        description: the icon
        content:
          image/svg+xml: {schema: {type: string}}
    """
    headers = {"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"}
    return Response(FAVICON, media_type="image/svg+xml", headers=headers)


def local_path(target: str | None, prefix: str, default: str) -> str:
    """`target` if it is a path on this site under `prefix`, else `default`: never another site's URL.

    A browser reads `//host/x` and `/\\host/x` as another host, so neither is local.
    """
    if not target or not target.startswith(prefix) or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or not target.isprintable():
        return default
    parts = urllib.parse.urlsplit(target)
    return target if not parts.scheme and not parts.netloc else default


async def replace_session(request: Request, response: Response, token: str) -> None:
    """Sets the new session's cookie on `response`, and revokes the session the request came with, if any, so a
    sign-in always leaves one session (a cookie planted before it is worth nothing after)."""
    state = _state.get(request)
    old = request.cookies.get(sessions.COOKIE_NAME, "")
    if old and old != token:
        await state.call(sessions.revoke, old)
    response.set_cookie(
        sessions.COOKIE_NAME,
        token,
        max_age=state.settings.api_session_ttl_seconds,
        path="/",
        secure=state.settings.api_secure_cookies,
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    """Tells the browser to drop the session cookie."""
    settings = _state.get(request).settings
    response.delete_cookie(
        sessions.COOKIE_NAME, path="/", secure=settings.api_secure_cookies, httponly=True, samesite="lax"
    )


routes = [
    Route("/api/v1/auth/login", sign_in, methods=["POST"]),
    Route("/api/v1/auth/login", oidc_sign_in, methods=["GET"]),
    Route("/api/v1/auth/oauth", oauth_sign_in, methods=["GET"]),
    Route("/api/v1/auth/logout", sign_out, methods=["POST"]),
    Route("/api/v1/auth/logout", sign_out_and_redirect, methods=["GET"]),
    Route("/api/v1/auth/verify", verify_token, methods=["POST"]),
    Route("/login", login_page, methods=["GET"]),
    Route("/", front_page, methods=["GET"]),
    Route("/favicon.ico", favicon, methods=["GET"]),
]
