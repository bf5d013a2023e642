"""The app marketplace: tenants publish apps (named bundles of workflow tools) in versions; tenants install them.

A publisher name belongs to the first tenant that publishes under it; that tenant owns the apps under it. An app
has versions, each naming one of the owner's artifacts and mapping action names to `package.module.function`
in it, moving from draft to published to deprecated. A private app is seen only by its owner; a public one is in
the marketplace for every tenant. Installations are in `hwe.tenant_apps`; `find_app` is what the app tool
(`apps.<publisher>.<app>.<action>`) looks up, for the run's tenant, at every call. Never commits.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from hwe import app_config, artifacts, db, errors, tenants

NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
CATEGORY = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
VERSION = re.compile(r"^(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})$")
SECRET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_FUNCTION = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$")
_TAG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MAX_TEXT = 2000
MAX_URL = 2000
MAX_TAGS = 20
MAX_ACTIONS = 100
MAX_SECRETS = 50
APP_FIELDS = (
    "publisher",
    "app_name",
    "display_name",
    "description",
    "category",
    "tags",
    "visibility",
    "icon_url",
    "documentation_url",
    "homepage_url",
)
VERSION_FIELDS = ("version", "artifact_id", "actions", "required_secrets", "configuration_schema", "changelog")
_URLS = ("icon_url", "documentation_url", "homepage_url")


def _text(body: dict[str, Any], field: str, limit: int = MAX_TEXT) -> str | None:
    value = body.get(field)
    if value is not None and (not isinstance(value, str) or len(value) > limit or "\0" in value):
        raise errors.InvalidApp(f"{field} must be a string of at most {limit} characters")
    return value


def _url(body: dict[str, Any], field: str) -> str | None:
    value = _text(body, field, MAX_URL)
    if value is not None and not re.match(r"^https?://\S+$", value):
        raise errors.InvalidApp(f"{field} must be an http(s) URL")
    return value


def _metadata(body: dict[str, Any]) -> dict[str, Any]:
    """The app's describing fields of a create or update body, checked; a field left out is None."""
    for field in ("display_name", "description", "category", "tags", "visibility"):
        if field in body and body[field] is None:
            raise errors.InvalidApp(f"{field} cannot be null (leave it out to keep it)")
    category = body.get("category")
    if category is not None and (not isinstance(category, str) or not CATEGORY.match(category)):
        raise errors.InvalidApp(
            "category must be 1 to 40 lowercase letters, digits, '_' or '-', starting with a letter"
        )
    tags = body.get("tags")
    if tags is not None and (
        not isinstance(tags, list)
        or len(tags) > MAX_TAGS
        or not all(isinstance(tag, str) and _TAG.match(tag) for tag in tags)
    ):
        raise errors.InvalidApp(f"tags must be at most {MAX_TAGS} lowercase words of letters, digits, '_' or '-'")
    visibility = body.get("visibility")
    if visibility is not None and visibility not in ("private", "public"):
        raise errors.InvalidApp("visibility must be 'private' or 'public'")
    display_name = _text(body, "display_name", 200)
    if display_name is not None and not display_name.strip():
        raise errors.InvalidApp("display_name must not be empty")
    return {
        "display_name": display_name,
        "description": _text(body, "description"),
        "category": category,
        "tags": None if tags is None else sorted(set(tags)),
        "visibility": visibility,
        **{field: _url(body, field) for field in _URLS},
    }


def create_app(
    conn: db.Connection, tenant_id: str, body: dict[str, Any], idempotency: tenants.Idempotency | None
) -> dict[str, Any]:
    """Registers an app of the tenant under a publisher name it owns (the first use of a name claims it).

    Raises:
        InvalidApp: a field is not usable.
        Conflict: `publisher_taken` (another tenant's publisher name), `app_exists` (the tenant has that app).
    """
    for field in ("publisher", "app_name"):
        if not isinstance(body.get(field), str) or not NAME.match(body[field]):
            raise errors.InvalidApp(f"{field} must be lowercase letters, digits and _, starting with a letter")
    fields = _metadata(body)
    with conn.transaction():
        stored = tenants.claim_idempotency_key(conn, tenant_id, idempotency)
        if stored is not None:
            return stored
        owner = db.execute(conn, "claim_app_publisher", {"publisher": body["publisher"], "tenant_id": tenant_id})
        if owner[0]["tenant_id"] != tenant_id:
            raise errors.Conflict(
                "publisher_taken", f"the publisher name {body['publisher']!r} belongs to another tenant"
            )
        params = {
            **fields,
            "app_id": uuid.uuid4(),
            "tenant_id": tenant_id,
            "publisher": body["publisher"],
            "app_name": body["app_name"],
            "display_name": fields["display_name"] or f"{body['publisher']}.{body['app_name']}",
            "description": fields["description"] or "",
            "category": fields["category"] or "other",
            "tags": fields["tags"] or [],
            "visibility": fields["visibility"] or "private",
        }
        created = db.execute(conn, "insert_marketplace_app", params)
        if not created:
            raise errors.Conflict("app_exists", f"the app {body['publisher']}.{body['app_name']} exists already")
        answer = get_app(conn, tenant_id, created[0]["app_id"])
        tenants.record_idempotent_response(conn, tenant_id, idempotency, answer)
    return answer


def update_app(
    conn: db.Connection, tenant_id: str, app_id: uuid.UUID, body: dict[str, Any], idem: tenants.Idempotency | None
) -> dict[str, Any]:
    """Changes the describing fields of one of the tenant's own apps (publisher and name never change).

    Raises:
        InvalidApp: a field is not usable.
        NotFound: the tenant owns no such app.
    """
    fields = _metadata(body)
    params = {**fields, "app_id": app_id, "tenant_id": tenant_id, **{f"set_{f}": f in body for f in _URLS}}
    with conn.transaction():
        stored = tenants.claim_idempotency_key(conn, tenant_id, idem)
        if stored is not None:
            return stored
        if not db.execute(conn, "update_marketplace_app", params):
            raise _app_not_found(app_id)
        answer = get_app(conn, tenant_id, app_id)
        tenants.record_idempotent_response(conn, tenant_id, idem, answer)
    return answer


def delete_app(conn: db.Connection, tenant_id: str, app_id: uuid.UUID) -> None:
    """Soft-deletes one of the tenant's own apps: no list shows it and nobody can install it; installations stay.

    Raises:
        NotFound: the tenant owns no such app.
    """
    if not db.execute(conn, "soft_delete_marketplace_app", {"app_id": app_id, "tenant_id": tenant_id}):
        raise _app_not_found(app_id)


def list_apps(conn: db.Connection, tenant_id: str, filters: dict[str, Any], page: int, size: int) -> dict[str, Any]:
    """One page of the tenant's own apps; `filters` has category, visibility and search (each may be None)."""
    params = {"tenant_id": tenant_id, **filters, "limit": size + 1, "offset": (page - 1) * size}
    return _page([_app_view(row, tenant_id) for row in db.execute(conn, "list_own_apps", params)], page, size)


def marketplace(conn: db.Connection, tenant_id: str, filters: dict[str, Any], page: int, size: int) -> dict[str, Any]:
    """One page of the public apps with a published version; `filters` has category and search."""
    params = {**filters, "limit": size + 1, "offset": (page - 1) * size}
    rows = db.execute(conn, "list_marketplace_apps", params)
    return _page([_app_view(row, tenant_id) for row in rows], page, size)


def list_categories(conn: db.Connection, tenant_id: str) -> dict[str, Any]:
    """The categories of the apps the tenant can see, with how many apps each has."""
    return {"items": db.execute(conn, "list_app_categories", {"tenant_id": tenant_id})}


def get_app(conn: db.Connection, tenant_id: str, app_id: uuid.UUID) -> dict[str, Any]:
    """One app the tenant can see (its own or a public one) with its versions (drafts only for the owner).

    Raises:
        NotFound: no such app, or one the tenant cannot see.
    """
    app = find_visible_app(conn, tenant_id, app_id)
    params = {"app_id": app_id, "drafts": app["owned"]}
    return {**app, "versions": [_version_view(row) for row in db.execute(conn, "list_app_versions", params)]}


def find_visible_app(conn: db.Connection, tenant_id: str, app_id: uuid.UUID) -> dict[str, Any]:
    """One app the tenant can see, without its versions.

    Raises:
        NotFound: no such app, or one the tenant cannot see.
    """
    rows = db.execute(conn, "find_visible_app", {"app_id": app_id, "tenant_id": tenant_id})
    if not rows:
        raise _app_not_found(app_id)
    return _app_view(rows[0], tenant_id)


def _owned_app(conn: db.Connection, tenant_id: str, app_id: uuid.UUID) -> dict[str, Any]:
    app = find_visible_app(conn, tenant_id, app_id)
    if not app["owned"]:
        raise _app_not_found(app_id)
    return app


def create_version(
    conn: db.Connection, tenant_id: str, app_id: uuid.UUID, body: dict[str, Any], idem: tenants.Idempotency | None
) -> dict[str, Any]:
    """Adds a draft version to one of the tenant's own apps.

    Raises:
        InvalidApp: a field is not usable, or the artifact is not one of the tenant's.
        NotFound: the tenant owns no such app.
        Conflict: `version_exists`.
    """
    params = _version_params(body)
    with conn.transaction():
        stored = tenants.claim_idempotency_key(conn, tenant_id, idem)
        if stored is not None:
            return stored
        _owned_app(conn, tenant_id, app_id)
        if artifacts.find_artifact(conn, tenant_id, params["artifact_id"]) is None:
            raise errors.InvalidApp("artifact_id must name one of the tenant's artifacts")
        created = db.execute(conn, "insert_app_version", {**params, "app_id": app_id, "version_id": uuid.uuid4()})
        if not created:
            raise errors.Conflict("version_exists", f"the app has a version {params['version']} already")
        answer = get_version(conn, tenant_id, app_id, created[0]["version_id"])
        tenants.record_idempotent_response(conn, tenant_id, idem, answer)
    return answer


def _version_params(body: dict[str, Any]) -> dict[str, Any]:
    version, artifact_id, actions = body.get("version"), body.get("artifact_id"), body.get("actions")
    if not isinstance(version, str) or not VERSION.match(version):
        raise errors.InvalidApp("version must be MAJOR.MINOR.PATCH, e.g. 1.0.0")
    if not isinstance(artifact_id, str) or not re.match(r"^[0-9a-f]{64}$", artifact_id):
        raise errors.InvalidApp("artifact_id must be the id of one of the tenant's artifacts")
    if not isinstance(actions, dict) or not 0 < len(actions) <= MAX_ACTIONS:
        raise errors.InvalidApp(f"actions must map 1 to {MAX_ACTIONS} action names to {{'function': 'pkg.mod.func'}}")
    checked: dict[str, dict[str, str]] = {}
    for name, action in actions.items():
        function = action.get("function") if isinstance(action, dict) else None
        description = action.get("description", "") if isinstance(action, dict) else None
        if (
            not NAME.match(name)
            or not isinstance(function, str)
            or not _FUNCTION.match(function)
            or len(function) > 200
            or not isinstance(description, str)
            or len(description) > MAX_TEXT
            or set(action) - {"function", "description"}
        ):
            raise errors.InvalidApp(
                f"action {name[:70]!r} must be a lowercase name mapping to "
                "{'function': 'package.module.function', 'description'?: text}"
            )
        checked[name] = {"function": function, "description": description}
    required = body.get("required_secrets", [])
    if (
        not isinstance(required, list)
        or len(required) > MAX_SECRETS
        or not all(isinstance(name, str) and SECRET_NAME.match(name) for name in required)
    ):
        raise errors.InvalidApp(f"required_secrets must list at most {MAX_SECRETS} secret names")
    schema = body.get("configuration_schema")
    if schema is not None:
        app_config.check_schema(schema)
    return {
        "version": version,
        "artifact_id": artifact_id,
        "actions": Jsonb(checked),
        "required_secrets": sorted(set(required)),
        "configuration_schema": None if schema is None else Jsonb(schema),
        "changelog": _text(body, "changelog") or "",
    }


def list_versions(conn: db.Connection, tenant_id: str, app_id: uuid.UUID) -> dict[str, Any]:
    """An app's versions, newest first (drafts only for the owner).

    Raises:
        NotFound: no such app, or one the tenant cannot see.
    """
    return {"items": get_app(conn, tenant_id, app_id)["versions"]}


def get_version(conn: db.Connection, tenant_id: str, app_id: uuid.UUID, version_id: uuid.UUID) -> dict[str, Any]:
    """One version of an app the tenant can see (a draft only for the owner).

    Raises:
        NotFound: no such app or version, or one the tenant cannot see.
    """
    app = find_visible_app(conn, tenant_id, app_id)
    params = {"app_id": app_id, "version_id": version_id, "drafts": app["owned"]}
    rows = db.execute(conn, "find_app_version", params)
    if not rows:
        raise errors.NotFound(f"version {version_id} of app {app_id} not found")
    return {**_version_view(rows[0]), "publisher": app["publisher"], "app_name": app["app_name"]}


def move_version(
    conn: db.Connection,
    tenant_id: str,
    app_id: uuid.UUID,
    version_id: uuid.UUID,
    to_state: str,
    idem: tenants.Idempotency | None,
) -> dict[str, Any]:
    """Publishes a draft (`to_state` published) or deprecates a published version (deprecated).

    Raises:
        NotFound: the tenant owns no such app or version.
        Conflict: `invalid_version_state`: the version is not in the state this move starts from.
    """
    from_state = {"published": "draft", "deprecated": "published"}[to_state]
    with conn.transaction():
        stored = tenants.claim_idempotency_key(conn, tenant_id, idem)
        if stored is not None:
            return stored
        _owned_app(conn, tenant_id, app_id)
        version = get_version(conn, tenant_id, app_id, version_id)
        params = {"app_id": app_id, "version_id": version_id, "from_state": from_state, "to_state": to_state}
        if not db.execute(conn, "move_app_version_state", params):
            raise errors.Conflict(
                "invalid_version_state", f"version {version['version']} is {version['state']}, not {from_state}"
            )
        answer = get_version(conn, tenant_id, app_id, version_id)
        tenants.record_idempotent_response(conn, tenant_id, idem, answer)
    return answer


def find_app(conn: db.Connection, tenant_id: str, publisher: str, app: str) -> db.Row:
    """The tenant's enabled installation of an app, for its tools: `artifact_id`, `actions` (name → function).

    Raises:
        AppNotFound: the tenant has no such app installed, or its installation is disabled.
    """
    rows = db.execute(conn, "find_app", {"tenant_id": tenant_id, "publisher": publisher, "app": app})
    if not rows:
        raise errors.AppNotFound(f"app {publisher}.{app} is not installed for this tenant")
    if not rows[0]["enabled"]:
        raise errors.AppNotFound(f"app {publisher}.{app} is disabled for this tenant")
    actions = {name: action["function"] for name, action in rows[0]["actions"].items()}
    return {**rows[0], "actions": actions}


def _app_view(row: db.Row, tenant_id: str) -> dict[str, Any]:
    view = {key: json_value(value) for key, value in row.items() if key != "tenant_id"}
    return {**view, "owned": row["tenant_id"] == tenant_id}


def _version_view(row: db.Row) -> dict[str, Any]:
    return {key: json_value(value) for key, value in row.items()}


def json_value(value: Any) -> Any:
    """A column's value as JSON: times as ISO 8601, UUIDs as strings."""
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value) if isinstance(value, uuid.UUID) else value


def _page(items: list[dict[str, Any]], page: int, size: int) -> dict[str, Any]:
    return {"items": items[:size], "page": page, "page_size": size, "has_more": len(items) > size}


def _app_not_found(app_id: uuid.UUID) -> errors.NotFound:
    return errors.NotFound(f"app {app_id} not found")
