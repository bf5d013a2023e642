"""A tenant's installations of marketplace apps: install, enable and disable, upgrade, configure, secrets, log.

An installation is one published version of an app the tenant can see (its own, or a public one). While it is
enabled, the tenant's workflows call its actions as `apps.<publisher>.<app>.<action>` (`apps.find_app`). The
version's artifact is copied into the tenant's artifacts at install and upgrade (the id is the content's hash, so
it is the same artifact), because actions run from the run's tenant's artifacts. Secrets go to the secret
provider as the tenant secret `app.<installation_id>.<name>`; only their names and times are kept here and
answered. Every change is appended to the installation's log (the action, the key prefix that made it, what
changed: versions, configuration keys, secret names, never a value). Never commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from psycopg.types.json import Jsonb

from hwe import app_config, apps, artifacts, db, errors, secrets, tenants

MAX_SECRET_CHARS = 8192
LOG_ACTIONS = ("install", "enable", "disable", "upgrade", "configure", "set_secret", "delete_secret")


def _transaction(
    conn: db.Connection, tenant_id: str, idem: tenants.Idempotency | None, effect: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """Runs `effect` in one transaction with the idempotency key's claim and record; a replay answers the same."""
    with conn.transaction():
        stored = tenants.claim_idempotency_key(conn, tenant_id, idem)
        if stored is not None:
            return stored
        answer = effect()
        tenants.record_idempotent_response(conn, tenant_id, idem, answer)
    return answer


def install(
    conn: db.Connection, tenant_id: str, actor: str, body: dict[str, Any], idem: tenants.Idempotency | None
) -> dict[str, Any]:
    """Installs a published version of an app the tenant can see (by default its newest), enabled.

    Raises:
        InvalidApp: a malformed id, or a configuration its version's schema refuses.
        NotFound: no such app or version for this tenant.
        Conflict: `app_installed`, `version_not_published`, `no_published_version`, `artifact_missing`.
    """
    app_id = _uuid(body.get("app_id"), "app_id")
    version_id = None if body.get("version_id") is None else _uuid(body["version_id"], "version_id")
    configuration = body.get("configuration", {})

    def effect() -> dict[str, Any]:
        app = apps.find_visible_app(conn, tenant_id, app_id)
        version = _published_version(conn, tenant_id, app_id, version_id)
        app_config.check_configuration(configuration, version["configuration_schema"])
        _copy_artifact(conn, tenant_id, app_id, version["artifact_id"])
        params = {
            "installation_id": uuid.uuid4(),
            "tenant_id": tenant_id,
            "app_id": app_id,
            "version_id": version["version_id"],
            "publisher": app["publisher"],
            "app_name": app["app_name"],
            "configuration": Jsonb(configuration),
        }
        if not db.execute(conn, "insert_app_installation", params):
            raise errors.Conflict(
                "app_installed", f"an app {app['publisher']}.{app['app_name']} is installed for this tenant already"
            )
        _log(conn, params["installation_id"], "install", actor, {"version": version["version"]})
        return get_installation(conn, tenant_id, params["installation_id"])

    return _transaction(conn, tenant_id, idem, effect)


def _published_version(
    conn: db.Connection, tenant_id: str, app_id: uuid.UUID, version_id: uuid.UUID | None
) -> dict[str, Any]:
    if version_id is None:
        latest = db.execute(conn, "find_latest_published_version", {"app_id": app_id})
        if not latest:
            raise errors.Conflict("no_published_version", f"app {app_id} has no published version")
        version_id = latest[0]["version_id"]
    version = apps.get_version(conn, tenant_id, app_id, version_id)
    if version["state"] != "published":
        raise errors.Conflict("version_not_published", f"version {version['version']} is {version['state']}")
    return version


def _copy_artifact(conn: db.Connection, tenant_id: str, app_id: uuid.UUID, artifact_id: str) -> None:
    db.execute(conn, "copy_app_artifact", {"tenant_id": tenant_id, "app_id": app_id, "artifact_id": artifact_id})
    if artifacts.find_artifact(conn, tenant_id, artifact_id) is None:
        raise errors.Conflict("artifact_missing", f"the version's artifact {artifact_id} is no longer available")


def list_installations(
    conn: db.Connection, tenant_id: str, filters: dict[str, Any], page: int, size: int
) -> dict[str, Any]:
    """One page of the tenant's installations; `filters` has status (enabled or disabled) and category."""
    params = {"tenant_id": tenant_id, **filters, "limit": size + 1, "offset": (page - 1) * size}
    items = [_view(row) for row in db.execute(conn, "list_app_installations", params)]
    return {"items": items[:size], "page": page, "page_size": size, "has_more": len(items) > size}


def _find(conn: db.Connection, tenant_id: str, installation_id: uuid.UUID) -> db.Row:
    rows = db.execute(conn, "find_app_installation", {"tenant_id": tenant_id, "installation_id": installation_id})
    if not rows:
        raise errors.NotFound(f"installation {installation_id} not found")
    return rows[0]


def get_installation(conn: db.Connection, tenant_id: str, installation_id: uuid.UUID) -> dict[str, Any]:
    """One of the tenant's installations with its tools and which required secrets are not set.

    Raises:
        NotFound: the tenant has no such installation.
    """
    row = _find(conn, tenant_id, installation_id)
    hidden = ("configuration", "configuration_schema", "required_secrets", "version_key")
    view = _view({key: value for key, value in row.items() if key not in hidden})
    set_names = {s["name"] for s in _secret_rows(conn, installation_id)}
    return {
        **view,
        "required_secrets": row["required_secrets"],
        "missing_secrets": [name for name in row["required_secrets"] if name not in set_names],
    }


def uninstall(
    conn: db.Connection, provider: secrets.SecretProvider, tenant_id: str, installation_id: uuid.UUID
) -> None:
    """Uninstalls one of the tenant's installations and erases its secrets' values in the provider.

    Raises:
        NotFound: the tenant has no such installation.
        SecretStoreRefused, SecretStoreUnavailable: a secret could not be erased (nothing changed).
    """
    with conn.transaction():
        for secret in _secret_rows(conn, installation_id):
            _erase(provider, tenant_id, installation_id, secret["name"])
        if not db.execute(conn, "delete_app_installation", {**_ids(installation_id), "tenant_id": tenant_id}):
            raise errors.NotFound(f"installation {installation_id} not found")


def set_enabled(
    conn: db.Connection,
    tenant_id: str,
    actor: str,
    installation_id: uuid.UUID,
    enabled: bool,
    idem: tenants.Idempotency | None,
) -> dict[str, Any]:
    """Enables or disables an installation: the tenant's workflows may call its tools only while it is enabled.

    Raises:
        NotFound: the tenant has no such installation.
        Conflict: `already_enabled` or `already_disabled`.
    """

    def effect() -> dict[str, Any]:
        _find(conn, tenant_id, installation_id)
        params = {**_ids(installation_id), "tenant_id": tenant_id, "enabled": enabled}
        if not db.execute(conn, "set_app_installation_enabled", params):
            state = "enabled" if enabled else "disabled"
            raise errors.Conflict(f"already_{state}", f"installation {installation_id} is {state} already")
        _log(conn, installation_id, "enable" if enabled else "disable", actor, {})
        return get_installation(conn, tenant_id, installation_id)

    return _transaction(conn, tenant_id, idem, effect)


def upgrade(
    conn: db.Connection,
    tenant_id: str,
    actor: str,
    installation_id: uuid.UUID,
    body: dict[str, Any],
    idem: tenants.Idempotency | None,
) -> dict[str, Any]:
    """Moves an installation to a newer published version of its app (by default the newest).

    Raises:
        InvalidApp: a malformed version id.
        NotFound: no such installation or version for this tenant.
        Conflict: `not_newer`, `version_not_published`, `no_published_version`, `configuration_invalid` (the
            installation's configuration breaks the new version's schema), `artifact_missing`.
    """
    version_id = None if body.get("version_id") is None else _uuid(body["version_id"], "version_id")

    def effect() -> dict[str, Any]:
        current = _find(conn, tenant_id, installation_id)
        target = _published_version(conn, tenant_id, current["app_id"], version_id)
        if [int(part) for part in target["version"].split(".")] <= current["version_key"]:
            raise errors.Conflict(
                "not_newer", f"version {target['version']} is not newer than the installed {current['version']}"
            )
        try:
            app_config.check_configuration(current["configuration"], target["configuration_schema"])
        except errors.InvalidApp as err:
            raise errors.Conflict("configuration_invalid", f"for version {target['version']}: {err}") from err
        _copy_artifact(conn, tenant_id, current["app_id"], target["artifact_id"])
        params = {**_ids(installation_id), "tenant_id": tenant_id, "version_id": target["version_id"]}
        db.execute(conn, "upgrade_app_installation", params)
        details = {"from_version": current["version"], "to_version": target["version"]}
        _log(conn, installation_id, "upgrade", actor, details)
        return get_installation(conn, tenant_id, installation_id)

    return _transaction(conn, tenant_id, idem, effect)


def get_configuration(conn: db.Connection, tenant_id: str, installation_id: uuid.UUID) -> dict[str, Any]:
    """An installation's configuration and its version's schema (null when the version has none).

    Raises:
        NotFound: the tenant has no such installation.
    """
    row = _find(conn, tenant_id, installation_id)
    return {
        "installation_id": str(installation_id),
        "version": row["version"],
        "configuration": row["configuration"],
        "configuration_schema": row["configuration_schema"],
    }


def update_configuration(
    conn: db.Connection,
    tenant_id: str,
    actor: str,
    installation_id: uuid.UUID,
    changes: Any,
    idem: tenants.Idempotency | None,
) -> dict[str, Any]:
    """Merges `changes` into the configuration (a null value removes that key), checked against the schema.

    Raises:
        InvalidApp: `changes` is not an object, or the result breaks the version's schema.
        NotFound: the tenant has no such installation.
    """
    if not isinstance(changes, dict):
        raise errors.InvalidApp("configuration must be a JSON object of the settings to change")

    def effect() -> dict[str, Any]:
        current = _find(conn, tenant_id, installation_id)
        merged = {**current["configuration"], **changes}
        configuration = {key: value for key, value in merged.items() if value is not None}
        app_config.check_configuration(configuration, current["configuration_schema"])
        params = {**_ids(installation_id), "tenant_id": tenant_id, "configuration": Jsonb(configuration)}
        db.execute(conn, "update_app_installation_configuration", params)
        _log(conn, installation_id, "configure", actor, {"changed_keys": sorted(changes)[:100]})
        return get_configuration(conn, tenant_id, installation_id)

    return _transaction(conn, tenant_id, idem, effect)


def list_logs(
    conn: db.Connection,
    tenant_id: str,
    installation_id: uuid.UUID,
    filters: dict[str, Any],
    page: int,
    size: int,
) -> dict[str, Any]:
    """One page of an installation's log, newest first; `filters` has action, start_time and end_time.

    Raises:
        NotFound: the tenant has no such installation.
    """
    _find(conn, tenant_id, installation_id)
    params = {**_ids(installation_id), **filters, "limit": size + 1, "offset": (page - 1) * size}
    items = [_view(row) for row in db.execute(conn, "list_app_installation_logs", params)]
    return {"items": items[:size], "page": page, "page_size": size, "has_more": len(items) > size}


def get_log(conn: db.Connection, tenant_id: str, installation_id: uuid.UUID, log_id: int) -> dict[str, Any]:
    """One entry of an installation's log.

    Raises:
        NotFound: the tenant has no such installation or entry.
    """
    _find(conn, tenant_id, installation_id)
    rows = db.execute(conn, "find_app_installation_log", {**_ids(installation_id), "log_id": log_id})
    if not rows:
        raise errors.NotFound(f"log entry {log_id} not found")
    return _view(rows[0])


def list_secrets(conn: db.Connection, tenant_id: str, installation_id: uuid.UUID) -> dict[str, Any]:
    """The installation's secrets by name: the ones set, with their times, and the required ones not set.

    Raises:
        NotFound: the tenant has no such installation.
    """
    row = _find(conn, tenant_id, installation_id)
    stored = {s["name"]: s for s in _secret_rows(conn, installation_id)}
    names = sorted(set(stored) | set(row["required_secrets"]))
    items = []
    for name in names:
        found = stored.get(name)
        items.append(
            {
                "name": name,
                "required": name in row["required_secrets"],
                "is_set": found is not None,
                "created_at": None if found is None else found["created_at"].isoformat(),
                "updated_at": None if found is None else found["updated_at"].isoformat(),
            }
        )
    return {"items": items}


def set_secret(
    conn: db.Connection,
    provider: secrets.SecretProvider,
    tenant_id: str,
    actor: str,
    target: tuple[uuid.UUID, str],
    value: Any,
    idem: tenants.Idempotency | None,
) -> dict[str, Any]:
    """Stores an installation's secret `target` = (installation, name) in the provider; answers never hold it.

    Raises:
        InvalidApp: a bad name or value.
        NotFound: the tenant has no such installation.
        SecretStoreRefused, SecretStoreUnavailable: the provider could not store it (nothing changed here).
    """
    installation_id, name = target
    _check_secret_name(name)
    if not isinstance(value, str) or not 0 < len(value) <= MAX_SECRET_CHARS or "\0" in value:
        raise errors.InvalidApp(f"value must be a string of 1 to {MAX_SECRET_CHARS} characters")

    def effect() -> dict[str, Any]:
        _find(conn, tenant_id, installation_id)
        provider.set_tenant_secret(tenant_id, provider_name(installation_id, name), value)
        row = db.execute(conn, "upsert_app_installation_secret", {**_ids(installation_id), "secret_name": name})[0]
        _log(conn, installation_id, "set_secret", actor, {"secret_name": name})
        return {**_view(row), "is_set": True}

    return _transaction(conn, tenant_id, idem, effect)


def delete_secret(
    conn: db.Connection,
    provider: secrets.SecretProvider,
    tenant_id: str,
    actor: str,
    installation_id: uuid.UUID,
    name: str,
) -> None:
    """Forgets an installation's secret and erases its value in the provider.

    Raises:
        NotFound: the tenant has no such installation, or it has no secret of that name.
    """
    if not apps.SECRET_NAME.match(name):
        raise errors.NotFound(f"no secret of that name for installation {installation_id}")
    with conn.transaction():
        _find(conn, tenant_id, installation_id)
        if not db.execute(conn, "delete_app_installation_secret", {**_ids(installation_id), "secret_name": name}):
            raise errors.NotFound(f"secret {name!r} is not set for installation {installation_id}")
        _erase(provider, tenant_id, installation_id, name)
        _log(conn, installation_id, "delete_secret", actor, {"secret_name": name})


def list_tools(conn: db.Connection, tenant_id: str) -> dict[str, Any]:
    """The tools the tenant's workflows may call: each action of each enabled installation."""
    items = []
    for row in db.execute(conn, "list_app_tools", {"tenant_id": tenant_id}):
        for action, spec in sorted(row["actions"].items()):
            items.append(
                {
                    "tool": f"apps.{row['publisher']}.{row['app_name']}.{action}",
                    "action": action,
                    "description": spec.get("description", ""),
                    "installation_id": str(row["installation_id"]),
                    "app_id": str(row["app_id"]),
                    "publisher": row["publisher"],
                    "app_name": row["app_name"],
                    "version": row["version"],
                }
            )
    return {"items": items}


def provider_name(installation_id: uuid.UUID, name: str) -> str:
    """The tenant secret that holds an installation's secret in the provider."""
    return f"app.{installation_id}.{name}"


def _erase(provider: secrets.SecretProvider, tenant_id: str, installation_id: uuid.UUID, name: str) -> None:
    provider.delete_tenant_secret(tenant_id, provider_name(installation_id, name))


def _secret_rows(conn: db.Connection, installation_id: uuid.UUID) -> list[db.Row]:
    return db.execute(conn, "list_app_installation_secrets", _ids(installation_id))


def _check_secret_name(name: str) -> None:
    if not apps.SECRET_NAME.match(name):
        raise errors.InvalidApp(
            "a secret name is 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit"
        )


def _log(conn: db.Connection, installation_id: uuid.UUID, action: str, actor: str, details: dict[str, Any]) -> None:
    params = {
        "installation_id": installation_id,
        "action": action,
        "actor": actor,
        "details": Jsonb(details),
    }
    db.execute(conn, "insert_app_installation_log", params)


def _uuid(raw: Any, field: str) -> uuid.UUID:
    try:
        if isinstance(raw, str):
            return uuid.UUID(raw)
    except ValueError:
        pass
    raise errors.InvalidApp(f"{field} must be a UUID")


def _ids(installation_id: uuid.UUID) -> dict[str, Any]:
    return {"installation_id": installation_id}


def _view(row: db.Row) -> dict[str, Any]:
    return {key: apps.json_value(value) for key, value in row.items()}
