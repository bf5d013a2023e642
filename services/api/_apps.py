"""Routes under /api/v1/apps: install, list and uninstall a tenant's apps (admin)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import apps, db
from services.api import _changes, _state


async def install_app(request: Request) -> Response:
    """Installs (or reinstalls) an app: `{"publisher", "app", "artifact_id", "actions": {name: "pkg.mod.func"}}`.

    Workflows of this tenant then call `apps.<publisher>.<app>.<action>`; other tenants cannot.
    """
    principal = await _state.authenticate(request, require="admin")
    body = await _state.read_json_object(request, ("publisher", "app", "artifact_id", "actions"))
    row = await _changes.change(request, principal, _install, principal.tenant_id, body)
    return _state.success(_view(row), status=201)


def _install(conn: db.Connection, tenant_id: str, body: dict[str, Any]) -> db.Row:
    with conn.transaction():
        return apps.install_app(
            conn,
            tenant_id,
            publisher=body.get("publisher"),
            app=body.get("app"),
            artifact_id=body.get("artifact_id"),
            actions=body.get("actions"),
        )


async def list_apps(request: Request) -> Response:
    """Lists the tenant's installed apps."""
    principal = await _state.authenticate(request)
    rows = await _state.get(request).call(apps.list_apps, principal.tenant_id)
    return _state.success({"items": [_view(row) for row in rows]})


async def uninstall_app(request: Request) -> Response:
    """Uninstalls one of the tenant's apps; its workflows' calls fail from then on."""
    principal = await _state.authenticate(request, require="admin")
    publisher, app = request.path_params["publisher"], request.path_params["app"]
    await _changes.change(request, principal, apps.uninstall_app, principal.tenant_id, publisher, app)
    return _state.success({"publisher": publisher, "app": app, "uninstalled": True})


def _view(row: db.Row) -> dict[str, Any]:
    return {key: value.isoformat() if isinstance(value, datetime) else value for key, value in row.items()}


routes = [
    Route("/api/v1/apps", install_app, methods=["POST"]),
    Route("/api/v1/apps", list_apps, methods=["GET"]),
    Route("/api/v1/apps/{publisher}/{app}", uninstall_app, methods=["DELETE"]),
]
