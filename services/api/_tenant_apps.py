"""Routes of tenant apps: installations of marketplace apps, their config, secrets, logs and tools.

Reading needs viewer; every change needs admin, because an installation runs the app's code in the tenant's
workflows and holds its secrets.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import secrets, tenant_apps
from services.api import _changes, _query, _state, _tenant_app_schemas


async def install_app(request: Request) -> Response:
    """Installs a published version of an app the tenant can see (by default its newest), enabled.

    Its actions become the tools `apps.<publisher>.<app_name>.<action>` of the tenant's workflows.
    ---
    tags: [tenant-apps]
    x-role: admin
    x-body: AppInstallRequest
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      201:
        description: the installation
        x-data: AppInstallation
        links:
          GetAppInstallation:
            operationId: get_app_installation
            parameters: &installation {installation_id: '$response.body#/data/installation_id'}
          UninstallApp: {operationId: uninstall_app, parameters: *installation}
          EnableApp: {operationId: enable_app, parameters: *installation}
          DisableApp: {operationId: disable_app, parameters: *installation}
          UpgradeApp: {operationId: upgrade_app, parameters: *installation}
          GetAppConfiguration: {operationId: get_app_configuration, parameters: *installation}
          UpdateAppConfiguration: {operationId: update_app_configuration, parameters: *installation}
          ListAppInstallationLogs: {operationId: list_app_installation_logs, parameters: *installation}
          ListAppSecrets: {operationId: list_app_secrets, parameters: *installation}
      404: {$ref: '#/components/responses/NotFound'}
    """
    principal = await _state.authenticate(request, require="admin")
    body = await _state.read_json_object(request, ("app_id", "version_id", "configuration"))
    idem = _state.idempotency(request, "install_app", body)
    installed = await _changes.change(
        request, principal, tenant_apps.install, principal.tenant_id, principal.key_prefix, body, idem
    )
    return _state.success(installed, status=201)


async def list_app_installations(request: Request) -> Response:
    """Lists the tenant's installations, by publisher and app name.

    ---
    tags: [tenant-apps]
    x-role: viewer
    parameters:
      - {name: page, in: query, schema: {type: integer, minimum: 1, maximum: 1000, default: 1}}
      - {name: page_size, in: query, schema: {type: integer, minimum: 1, maximum: 100, default: 20}}
      - {name: status, in: query, schema: {type: string, enum: [enabled, disabled]}}
      - {name: category, in: query, schema: {type: string, minLength: 1, maxLength: 200}}
    responses:
      200: {description: one page of installations, x-data: AppInstallationPage}
    """
    principal = await _state.authenticate(request)
    params = _query.query(request, ("page", "page_size", "status", "category"))
    page, size = _query.page(params, 100, 20)
    filters = {
        "status": _query.choice(params, "status", ("enabled", "disabled")),
        "category": _query.text(params, "category"),
    }
    found = await _state.get(request).call(tenant_apps.list_installations, principal.tenant_id, filters, page, size)
    return _state.success(found)


async def list_app_tools(request: Request) -> Response:
    """Lists the tools the tenant's workflows may call: every action of every enabled installation.

    ---
    tags: [tenant-apps]
    x-role: viewer
    responses:
      200: {description: the tools, x-data: AppToolList}
    """
    principal = await _state.authenticate(request)
    _query.query(request, ())
    return _state.success(await _state.get(request).call(tenant_apps.list_tools, principal.tenant_id))


async def get_app_installation(request: Request) -> Response:
    """Reads one installation, with the required secrets not set yet.

    ---
    tags: [tenant-apps]
    x-role: viewer
    responses:
      200: {description: the installation, x-data: AppInstallation}
    """
    principal = await _state.authenticate(request)
    found = await _state.get(request).call(tenant_apps.get_installation, principal.tenant_id, _installation(request))
    return _state.success(found)


async def uninstall_app(request: Request) -> Response:
    """Uninstalls: the workflows' calls of its tools fail from then on; its secrets are erased in the provider.

    ---
    tags: [tenant-apps]
    x-role: admin
    responses:
      200: {description: "`{installation_id, uninstalled: true}`", x-data: AppUninstalled}
      503: {$ref: '#/components/responses/Unavailable'}
    """
    principal = await _state.authenticate(request, require="admin")
    installation_id = _installation(request)
    provider = secrets.open_secret_provider(_state.get(request).settings)
    await _changes.change(request, principal, tenant_apps.uninstall, provider, principal.tenant_id, installation_id)
    return _state.success({"installation_id": str(installation_id), "uninstalled": True})


async def enable_app(request: Request) -> Response:
    """Enables a disabled installation: the workflows may call its tools again.

    ---
    tags: [tenant-apps]
    x-role: admin
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      200: {description: the installation, x-data: AppInstallation}
    """
    return await _set_enabled(request, True)


async def disable_app(request: Request) -> Response:
    """Disables an installation: the workflows' calls of its tools fail until it is enabled again.

    ---
    tags: [tenant-apps]
    x-role: admin
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      200: {description: the installation, x-data: AppInstallation}
    """
    return await _set_enabled(request, False)


async def _set_enabled(request: Request, enabled: bool) -> Response:
    principal = await _state.authenticate(request, require="admin")
    installation_id = _installation(request)
    idem = _state.idempotency(request, f"set_app_enabled_{enabled}", {"installation_id": str(installation_id)})
    changed = await _changes.change(
        request,
        principal,
        tenant_apps.set_enabled,
        principal.tenant_id,
        principal.key_prefix,
        installation_id,
        enabled,
        idem,
    )
    return _state.success(changed)


async def upgrade_app(request: Request) -> Response:
    """Upgrades an installation to a newer published version of its app (by default the newest).

    The body is optional; the configuration is kept and must satisfy the new version's schema.
    ---
    tags: [tenant-apps]
    x-role: admin
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    requestBody:
      required: false
      content: {application/json: {schema: {$ref: '#/components/schemas/AppUpgradeRequest'}}}
    responses:
      200: {description: the installation, x-data: AppInstallation}
    """
    principal = await _state.authenticate(request, require="admin")
    installation_id = _installation(request)
    body = await _state.read_json_object(request, ("version_id",)) if await request.body() else {}
    idem = _state.idempotency(request, "upgrade_app", {"installation_id": str(installation_id), **body})
    upgraded = await _changes.change(
        request,
        principal,
        tenant_apps.upgrade,
        principal.tenant_id,
        principal.key_prefix,
        installation_id,
        body,
        idem,
    )
    return _state.success(upgraded)


async def get_app_configuration(request: Request) -> Response:
    """Reads an installation's configuration and its version's configuration schema.

    ---
    tags: [tenant-apps]
    x-role: viewer
    responses:
      200: {description: the configuration, x-data: AppConfiguration}
    """
    principal = await _state.authenticate(request)
    call = _state.get(request).call
    return _state.success(await call(tenant_apps.get_configuration, principal.tenant_id, _installation(request)))


async def update_app_configuration(request: Request) -> Response:
    """Changes settings: `configuration` is merged in (a null value removes the setting), then checked.

    ---
    tags: [tenant-apps]
    x-role: admin
    x-body: AppConfigurationUpdate
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      200: {description: the configuration, x-data: AppConfiguration}
    """
    principal = await _state.authenticate(request, require="admin")
    installation_id = _installation(request)
    body = await _state.read_json_object(request, ("configuration",))
    idem = _state.idempotency(request, "update_app_configuration", {"installation_id": str(installation_id), **body})
    updated = await _changes.change(
        request,
        principal,
        tenant_apps.update_configuration,
        principal.tenant_id,
        principal.key_prefix,
        installation_id,
        body.get("configuration"),
        idem,
    )
    return _state.success(updated)


async def list_app_installation_logs(request: Request) -> Response:
    """Lists an installation's log, newest first: each install, enable, disable, upgrade, configure, secret change.

    ---
    tags: [tenant-apps]
    x-role: viewer
    parameters:
      - {name: page, in: query, schema: {type: integer, minimum: 1, maximum: 1000, default: 1}}
      - {name: page_size, in: query, schema: {type: integer, minimum: 1, maximum: 200, default: 50}}
      - {name: action, in: query, schema: {$ref: '#/components/schemas/AppLogAction'}}
      - {name: start_time, in: query, schema: {type: string, format: date-time}}
      - {name: end_time, in: query, schema: {type: string, format: date-time}}
    responses:
      200: {description: one page of the log, x-data: AppInstallationLogPage}
    """
    principal = await _state.authenticate(request)
    installation_id = _installation(request)
    params = _query.query(request, ("page", "page_size", "action", "start_time", "end_time"))
    page, size = _query.page(params, 200, 50)
    filters = {
        "action": _query.choice(params, "action", tenant_apps.LOG_ACTIONS),
        "start_time": _query.time(params, "start_time"),
        "end_time": _query.time(params, "end_time"),
    }
    found = await _state.get(request).call(
        tenant_apps.list_logs, principal.tenant_id, installation_id, filters, page, size
    )
    return _state.success(found)


async def get_app_installation_log(request: Request) -> Response:
    """Reads one entry of an installation's log.

    ---
    tags: [tenant-apps]
    x-role: viewer
    responses:
      200: {description: the entry, x-data: AppInstallationLog}
    """
    principal = await _state.authenticate(request)
    installation_id, log_id = _installation(request), int(request.path_params["log_id"])
    found = await _state.get(request).call(tenant_apps.get_log, principal.tenant_id, installation_id, log_id)
    return _state.success(found)


async def list_app_secrets(request: Request) -> Response:
    """Lists an installation's secrets by name, set or required: never a value.

    ---
    tags: [tenant-apps]
    x-role: viewer
    responses:
      200: {description: the secrets' names and times, x-data: AppSecretList}
    """
    principal = await _state.authenticate(request)
    found = await _state.get(request).call(tenant_apps.list_secrets, principal.tenant_id, _installation(request))
    return _state.success(found)


async def set_app_secret(request: Request) -> Response:
    """Stores an installation's secret in the secret provider (the engine's own); the answer never holds it.

    ---
    tags: [tenant-apps]
    x-role: admin
    x-body: AppSecretRequest
    parameters:
      - name: secret_name
        in: path
        required: true
        schema: {type: string, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'}
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      200: {description: the secret's name and times, x-data: AppSecret}
      503: {$ref: '#/components/responses/Unavailable'}
    """
    principal = await _state.authenticate(request, require="admin")
    state = _state.get(request)
    target = (_installation(request), request.path_params["secret_name"])
    body = await _state.read_json_object(request, ("value",))
    value = body.get("value")
    # The idempotency record keeps a hash of the request: of a keyed digest of the value, never of the value.
    digest = hmac.new(state.pepper.encode(), str(value).encode(), hashlib.sha256).hexdigest()
    idem = _state.idempotency(request, "set_app_secret", {"target": [str(target[0]), target[1]], "value": digest})
    provider = secrets.open_secret_provider(state.settings)
    stored = await _changes.change(
        request,
        principal,
        tenant_apps.set_secret,
        provider,
        principal.tenant_id,
        principal.key_prefix,
        target,
        value,
        idem,
    )
    return _state.success(stored)


async def delete_app_secret(request: Request) -> Response:
    """Deletes an installation's secret: its value is erased in the secret provider.

    ---
    tags: [tenant-apps]
    x-role: admin
    parameters:
      - name: secret_name
        in: path
        required: true
        schema: {type: string, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'}
    responses:
      200: {description: "`{name, deleted: true}`", x-data: AppSecretDeleted}
      503: {$ref: '#/components/responses/Unavailable'}
    """
    principal = await _state.authenticate(request, require="admin")
    installation_id, name = _installation(request), request.path_params["secret_name"]
    provider = secrets.open_secret_provider(_state.get(request).settings)
    await _changes.change(
        request,
        principal,
        tenant_apps.delete_secret,
        provider,
        principal.tenant_id,
        principal.key_prefix,
        installation_id,
        name,
    )
    return _state.success({"name": name, "deleted": True})


def _installation(request: Request) -> uuid.UUID:
    return _state.path_uuid(request, "installation_id")


OPENAPI_SCHEMAS: dict[str, Any] = _tenant_app_schemas.SCHEMAS

routes = [
    Route("/api/v1/tenant/apps", install_app, methods=["POST"]),
    Route("/api/v1/tenant/apps", list_app_installations, methods=["GET"]),
    # Before /api/v1/tenant/apps/{installation_id}, which would take `tools` for an id.
    Route("/api/v1/tenant/apps/tools", list_app_tools, methods=["GET"]),
    Route("/api/v1/tenant/apps/{installation_id}", get_app_installation, methods=["GET"]),
    Route("/api/v1/tenant/apps/{installation_id}", uninstall_app, methods=["DELETE"]),
    Route("/api/v1/tenant/apps/{installation_id}/enable", enable_app, methods=["POST"]),
    Route("/api/v1/tenant/apps/{installation_id}/disable", disable_app, methods=["POST"]),
    Route("/api/v1/tenant/apps/{installation_id}/upgrade", upgrade_app, methods=["POST"]),
    Route("/api/v1/tenant/apps/{installation_id}/config", get_app_configuration, methods=["GET"]),
    Route("/api/v1/tenant/apps/{installation_id}/config", update_app_configuration, methods=["PATCH"]),
    Route("/api/v1/tenant/apps/{installation_id}/logs", list_app_installation_logs, methods=["GET"]),
    Route("/api/v1/tenant/apps/{installation_id}/logs/{log_id}", get_app_installation_log, methods=["GET"]),
    Route("/api/v1/tenant/apps/{installation_id}/secrets", list_app_secrets, methods=["GET"]),
    Route("/api/v1/tenant/apps/{installation_id}/secrets/{secret_name}", set_app_secret, methods=["PUT"]),
    Route("/api/v1/tenant/apps/{installation_id}/secrets/{secret_name}", delete_app_secret, methods=["DELETE"]),
]
