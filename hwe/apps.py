"""Tenant apps: named bundles of workflow tools whose code is one of the tenant's artifacts.

A workflow calls an app's action as `apps.<publisher>.<app>.<action>`; the engine looks the app up
for the run's tenant at every call (no cache) and runs the action's function from the app's
artifact like `tools.python.run`. Called by the API (install, list, uninstall) and by the app
tool. Never commits.
"""

from __future__ import annotations

import re
from typing import Any

from psycopg.types.json import Jsonb

from hwe import artifacts, db, errors

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_FUNCTION = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+$")


def install_app(
    conn: db.Connection, tenant_id: str, *, publisher: Any, app: Any, artifact_id: Any, actions: Any
) -> db.Row:
    """Installs (or reinstalls) an app for a tenant.

    Raises:
        InvalidApp: a name, the actions or the artifact is not usable.
    """
    for field, value in (("publisher", publisher), ("app", app)):
        if not isinstance(value, str) or not _NAME.match(value):
            raise errors.InvalidApp(f"{field} must be lowercase letters, digits and _, starting with a letter")
    if not isinstance(actions, dict) or not actions:
        raise errors.InvalidApp("actions must map each action name to 'package.module.function'")
    for action, function in actions.items():
        if not _NAME.match(action) or not isinstance(function, str) or not _FUNCTION.match(function):
            raise errors.InvalidApp(f"action {action!r} must map to 'package.module.function'")
    if not isinstance(artifact_id, str) or artifacts.find_artifact(conn, tenant_id, artifact_id) is None:
        raise errors.InvalidApp("artifact_id must name one of the tenant's artifacts")
    return db.execute(
        conn,
        "install_app",
        {
            "tenant_id": tenant_id,
            "publisher": publisher,
            "app": app,
            "artifact_id": artifact_id,
            "actions": Jsonb(actions),
        },
    )[0]


def find_app(conn: db.Connection, tenant_id: str, publisher: str, app: str) -> db.Row:
    """Returns one of the tenant's apps.

    Raises:
        AppNotFound: the tenant has no such app.
    """
    rows = db.execute(conn, "find_app", {"tenant_id": tenant_id, "publisher": publisher, "app": app})
    if not rows:
        raise errors.AppNotFound(f"app {publisher}.{app} is not installed for this tenant")
    return rows[0]


def list_apps(conn: db.Connection, tenant_id: str) -> list[db.Row]:
    """Returns the tenant's apps."""
    return db.execute(conn, "list_apps", {"tenant_id": tenant_id})


def uninstall_app(conn: db.Connection, tenant_id: str, publisher: str, app: str) -> None:
    """Uninstalls one of the tenant's apps.

    Raises:
        AppNotFound: the tenant has no such app.
    """
    if not db.execute(conn, "uninstall_app", {"tenant_id": tenant_id, "publisher": publisher, "app": app}):
        raise errors.AppNotFound(f"app {publisher}.{app} is not installed for this tenant")
