"""The console's sign-in and sign-out: the sign-in page, its account and API-key forms, and the sign-out form.

Signing in opens a session through hwe/sessions.py exactly as POST /api/v1/auth/login does, sets the same cookie
(services/api/_signin.py) and goes on to the page asked for (`next`, a local /ui path only). A refused sign-in
shows the form again with one message whatever was wrong. The forms post multipart/form-data, the one non-JSON
body the API's request guard lets through. Not the pages behind the sign-in (the other ui modules).
"""

from __future__ import annotations

import logging

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hwe import errors, sessions, tenants
from services.api import _signin, _state
from services.api.ui import _render
from services.api.ui._render import form_field

logger = logging.getLogger(__name__)

DEFAULT_NEXT = "/ui/runs"
MAX_FIELD_CHARS = 4096
BAD_KEY = "That API key is not valid: it is unknown, revoked or expired."
MISSING = "Enter your email and your password."
TENANT_REQUIRED = "Your account is in several tenants: enter the tenant to sign in to."


@_render.page
async def sign_in_page(request: Request) -> Response:
    """The sign-in page: an account form and a paste-an-API-key form."""
    return await _form(request, next_path=request.query_params.get("next", ""))


@_render.page
async def sign_in_with_account(request: Request) -> Response:
    """Signs in with an email and password, then 303 to `next`; a refusal shows the form again."""
    _state.check_origin(request)
    _state.check_sign_in_rate(request)
    form = await _read(request)
    email, password = form_field(form, "email").strip(), form_field(form, "password")
    tenant = form_field(form, "tenant").strip()
    again = {"next_path": form_field(form, "next"), "email": email, "tenant": tenant}
    if not email or not password:
        return await _form(request, 400, error=MISSING, **again)
    state = _state.get(request)
    ttl = state.settings.api_session_ttl_seconds
    try:
        signed = await state.call(sessions.sign_in, email, password, tenant or None, ttl)
    except errors.Unauthorized:
        return await _form(request, 401, error=sessions.INVALID_CREDENTIALS.capitalize() + ".", **again)
    except errors.RateLimited as exc:
        response = await _form(request, 429, error=sessions.LOCKED_OUT.capitalize() + ".", **again)
        response.headers["Retry-After"] = str(int(exc.retry_after))
        return response
    except errors.InvalidRequest as exc:
        message = TENANT_REQUIRED if exc.code == "tenant_required" else str(exc)
        return await _form(request, 400, error=message, **again)
    return await _signed_in(request, form, signed.token)


@_render.page
async def sign_in_with_key(request: Request) -> Response:
    """Opens a session acting as a pasted API key, then 303 to `next`; a refusal shows the form again."""
    _state.check_origin(request)
    _state.check_sign_in_rate(request)
    form = await _read(request)
    key = form_field(form, "api_key").strip()
    state = _state.get(request)
    try:
        if not key:
            raise errors.Unauthorized("no key")
        token = await state.call(sessions.start_for_api_key, key, state.pepper, state.settings.api_session_ttl_seconds)
    except errors.Unauthorized:
        return await _form(request, 401, key_error=BAD_KEY, next_path=form_field(form, "next"))
    return await _signed_in(request, form, token)


@_render.page
async def sign_out(request: Request) -> Response:
    """Signs out (the form carries the session's CSRF token): revokes the session, then back to the sign-in page."""
    form = await _read(request)
    cookie = request.cookies.get(sessions.COOKIE_NAME, "")
    if cookie:
        _state.check_csrf(request, cookie, form_field(form, "csrf_token"))
        await _state.get(request).call(sessions.revoke, cookie)
    response = RedirectResponse("/ui/login?flash=You+are+signed+out.", status_code=303)
    _signin.clear_session_cookie(request, response)
    return response


async def _signed_in(request: Request, form: FormData, token: str) -> Response:
    response = RedirectResponse(_signin.local_path(form_field(form, "next"), "/ui", DEFAULT_NEXT), status_code=303)
    await _signin.replace_session(request, response, token)
    return response


async def _form(
    request: Request,
    status: int = 200,
    *,
    next_path: str,
    error: str = "",
    key_error: str = "",
    email: str = "",
    tenant: str = "",
) -> Response:
    return _render.render(
        request,
        "pages/login.html",
        principal=await _current(request),
        status_code=status,
        title="Sign in",
        next_path=_signin.local_path(next_path, "/ui", DEFAULT_NEXT),
        error=error,
        key_error=key_error,
        email=email,
        tenant=tenant,
    )


async def _current(request: Request) -> tenants.Principal | None:
    """Who is signed in already, if anyone (the page says so)."""
    cookie = request.cookies.get(sessions.COOKIE_NAME, "")
    if not cookie:
        return None
    state = _state.get(request)
    try:
        return await state.call(sessions.resolve, cookie)
    except errors.Unauthorized:
        return None


async def _read(request: Request) -> FormData:
    return await request.form(max_files=0, max_fields=8, max_part_size=MAX_FIELD_CHARS)


routes = [
    Route("/ui/login", sign_in_page, methods=["GET"], include_in_schema=False),
    Route("/ui/login", sign_in_with_account, methods=["POST"], include_in_schema=False),
    Route("/ui/login/key", sign_in_with_key, methods=["POST"], include_in_schema=False),
    Route("/ui/logout", sign_out, methods=["POST"], include_in_schema=False),
]
