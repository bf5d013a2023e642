"""Renders console pages: Mako templates escaped by default, the security headers, and the bundled assets.

Every component's .css and .js under templates/components/<name>/ is concatenated once, at import, into
/ui/assets/console.css and /ui/assets/console.js (hash ETag, long cache). `page_principal` authenticates a page
through the same `_state.authenticate` the API uses. Not a page itself: the pages live in the other ui modules.
"""

from __future__ import annotations

import hashlib
import logging
import urllib.parse
from pathlib import Path
from typing import Any

from mako.lookup import TemplateLookup
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from hwe import errors, sessions, tenants
from services.api import _state

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
COMPONENTS = TEMPLATES / "components"

# No inline script or style anywhere (SVG included): classes and the bundled files only.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; connect-src 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}

# Links of the navigation: (label, path, least role), in the order shown.
NAV: tuple[tuple[str, str, str], ...] = (
    ("Runs", "/ui/runs", "viewer"),
    ("Queue", "/ui/queue", "viewer"),
    ("Schedules", "/ui/schedules", "viewer"),
    ("Definitions", "/ui/definitions", "viewer"),
    ("Webhooks", "/ui/webhooks", "viewer"),
    ("People", "/ui/people", "admin"),
)

_lookup = TemplateLookup(
    directories=[str(TEMPLATES)],
    default_filters=["h"],
    strict_undefined=True,
    input_encoding="utf-8",
)


class PageRedirect(Exception):
    """Raised by `page_principal` when the page must answer with `response` instead (login or 403)."""

    def __init__(self, response: Response) -> None:
        super().__init__("page redirect")
        self.response = response


def _bundle(suffix: str) -> tuple[bytes, str]:
    parts = []
    for path in sorted(COMPONENTS.glob(f"*/*{suffix}")):
        parts.append(f"/* {path.parent.name}/{path.name} */\n".encode() + path.read_bytes())
    body = b"\n".join(parts)
    return body, '"' + hashlib.sha256(body).hexdigest()[:16] + '"'


_ASSETS: dict[str, tuple[bytes, str, str]] = {}


def _load_assets() -> None:
    for name, suffix, media_type in (
        ("console.css", ".css", "text/css; charset=utf-8"),
        ("console.js", ".js", "text/javascript; charset=utf-8"),
    ):
        body, etag = _bundle(suffix)
        _ASSETS[name] = (body, etag, media_type)


_load_assets()


def csrf_token(request: Request) -> str:
    """The CSRF token of this request's session, or "" without a session."""
    token = request.cookies.get(sessions.COOKIE_NAME, "")
    return sessions.csrf_token(_state.get(request).pepper, token) if token else ""


def form_field(form: FormData, name: str) -> str:
    """A console form's text field, or "" when it is missing or is a file."""
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def nav_for(principal: tenants.Principal | None) -> list[tuple[str, str]]:
    """The navigation links this principal may follow."""
    if principal is None:
        return []
    rank = _state.ROLE_RANK[principal.role]
    return [(label, path) for label, path, role in NAV if rank >= _state.ROLE_RANK[role]]


def can(principal: tenants.Principal | None, role: str) -> bool:
    """Whether the principal has at least this role (templates use it to show or hide actions)."""
    return principal is not None and _state.ROLE_RANK[principal.role] >= _state.ROLE_RANK[role]


def secure(response: Response) -> Response:
    """Adds the console's security headers to a response."""
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    return response


def render(
    request: Request,
    template: str,
    *,
    principal: tenants.Principal | None = None,
    status_code: int = 200,
    **ctx: Any,
) -> HTMLResponse:
    """Renders `template` (relative to templates/, e.g. "pages/runs.html") with the common context.

    The context always holds `request`, `principal`, `csrf_token`, `nav`, `can`, `flash` (from ?flash=) and
    `title` (default ""), plus `ctx`. Every `${...}` is HTML-escaped (default filter `h`).
    """
    values: dict[str, Any] = {
        "title": "",
        "flash": request.query_params.get("flash", "")[:300],
        **ctx,
        "request": request,
        "principal": principal,
        "csrf_token": csrf_token(request),
        "nav": nav_for(principal),
        "can": lambda role: can(principal, role),
        "current_path": request.url.path,
    }
    html = _lookup.get_template(template).render(**values)
    response = HTMLResponse(html, status_code=status_code)
    secure(response)
    return response


def login_redirect(request: Request) -> RedirectResponse:
    """303 to the sign-in page, coming back to this page afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    response = RedirectResponse("/ui/login?" + urllib.parse.urlencode({"next": target}), status_code=303)
    secure(response)
    return response


async def page_principal(
    request: Request, require: str | None = None, csrf_token: str | None = None
) -> tenants.Principal:
    """Authenticates a console request exactly as the API does; a form handler passes its `csrf_token` field.

    Raises:
        PageRedirect: no or invalid session (303 to /ui/login?next=...), or a role too low (a 403 page),
            or a path parameter that names nothing (a 404 page). `pages` turns it into the response.
    """
    try:
        return await _state.authenticate(request, require, csrf_token=csrf_token)
    except errors.Unauthorized:
        raise PageRedirect(login_redirect(request)) from None
    except errors.Forbidden as exc:
        raise PageRedirect(error_page(request, 403, "Not allowed", str(exc))) from None
    except errors.NotFound as exc:
        raise PageRedirect(error_page(request, 404, "Not found", str(exc))) from None


def error_page(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    """A page for a refused or failed console request."""
    return render(request, "pages/error.html", status_code=status, title=title, message=message)


_ERROR_TITLES = {403: "Not allowed", 404: "Not found", 409: "Conflict", 429: "Too many requests"}


def error_status(exc: errors.HighwayError) -> int:
    """The HTTP status the API answers for this engine error (one table for the API and the console)."""
    # Imported here: services.api._app imports this package to register its routes.
    from services.api import _app

    return next((status for cls, (status, _) in _app._ERROR_STATUS.items() if isinstance(exc, cls)), 500)


def page(endpoint: Any) -> Any:
    """Wraps a page handler so a `PageRedirect` or an engine error becomes a page, never a 500.

    The handler is `async def handler(request) -> Response`.
    """

    async def wrapped(request: Request) -> Response:
        try:
            response: Response = await endpoint(request)
        except PageRedirect as redirect:
            return redirect.response
        except errors.HighwayError as exc:
            status = error_status(exc)
            if status >= 500:
                raise  # the API's handler logs it and answers its generic 500, with no detail
            return error_page(request, status, _ERROR_TITLES.get(status, "Request refused"), str(exc))
        return secure(response)

    wrapped.__name__ = getattr(endpoint, "__name__", "page")
    wrapped.__doc__ = endpoint.__doc__
    return wrapped


async def asset(request: Request) -> Response:
    """The bundled console.css or console.js."""
    name = request.path_params["name"]
    if name not in _ASSETS:
        return Response("not found", status_code=404, media_type="text/plain")
    body, etag, media_type = _ASSETS[name]
    headers = {
        "ETag": etag,
        "Cache-Control": "public, max-age=31536000, immutable",
        "X-Content-Type-Options": "nosniff",
    }
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def asset_url(name: str) -> str:
    """The URL of a bundled asset, with its hash so a new bundle is fetched at once."""
    return f"/ui/assets/{name}?v={_ASSETS[name][1].strip(chr(34))}"


routes = [Route("/ui/assets/{name}", asset, methods=["GET"], include_in_schema=False)]
