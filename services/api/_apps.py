"""Routes under /api/v1/apps: publish apps and their versions, browse the marketplace (publishing needs admin)."""

from __future__ import annotations

from typing import Any

import yaml
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import apps
from services.api import _changes, _query, _state

_UPDATE_FIELDS = tuple(field for field in apps.APP_FIELDS if field not in ("publisher", "app_name"))


async def create_app(request: Request) -> Response:
    """Registers an app under a publisher name of the tenant's (its first use claims the name for the tenant).

    ---
    tags: [apps]
    x-role: admin
    x-body: AppRequest
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      201:
        description: the app
        x-data: AppDetail
        links:
          GetApp: {operationId: get_app, parameters: {app_id: '$response.body#/data/app_id'}}
          UpdateApp: {operationId: update_app, parameters: {app_id: '$response.body#/data/app_id'}}
          DeleteApp: {operationId: delete_app, parameters: {app_id: '$response.body#/data/app_id'}}
          CreateAppVersion: {operationId: create_app_version, parameters: {app_id: '$response.body#/data/app_id'}}
          ListAppVersions: {operationId: list_app_versions, parameters: {app_id: '$response.body#/data/app_id'}}
    """
    principal = await _state.authenticate(request, require="admin")
    body = await _state.read_json_object(request, apps.APP_FIELDS)
    idem = _state.idempotency(request, "create_app", body)
    created = await _changes.change(request, principal, apps.create_app, principal.tenant_id, body, idem)
    return _state.success(created, status=201)


async def list_apps(request: Request) -> Response:
    """Lists the tenant's own apps (any visibility), by publisher and name.

    ---
    tags: [apps]
    x-role: viewer
    parameters:
      - {name: page, in: query, schema: {type: integer, minimum: 1, maximum: 1000, default: 1}}
      - {name: page_size, in: query, schema: {type: integer, minimum: 1, maximum: 100, default: 20}}
      - {name: category, in: query, schema: {type: string, minLength: 1, maxLength: 200}}
      - {name: visibility, in: query, schema: {type: string, enum: [private, public]}}
      - {name: search, in: query, description: in names and description, schema: {type: string, maxLength: 200}}
    responses:
      200: {description: one page of apps, x-data: AppPage}
    """
    principal = await _state.authenticate(request)
    params = _query.query(request, ("page", "page_size", "category", "visibility", "search"))
    page, size = _query.page(params, 100, 20)
    filters = {
        "category": _query.text(params, "category"),
        "visibility": _query.choice(params, "visibility", ("private", "public")),
        "search": _query.text(params, "search"),
    }
    found = await _state.get(request).call(apps.list_apps, principal.tenant_id, filters, page, size)
    return _state.success(found)


async def list_app_categories(request: Request) -> Response:
    """Lists the categories of the apps the tenant can see (its own and the public ones), with their counts.

    ---
    tags: [apps]
    x-role: viewer
    responses:
      200: {description: the categories, x-data: AppCategoryList}
    """
    principal = await _state.authenticate(request)
    _query.query(request, ())
    return _state.success(await _state.get(request).call(apps.list_categories, principal.tenant_id))


async def list_marketplace_apps(request: Request) -> Response:
    """Browses the marketplace: public apps with a published version, their newest version and install count.

    ---
    tags: [apps]
    x-role: viewer
    parameters:
      - {name: page, in: query, schema: {type: integer, minimum: 1, maximum: 1000, default: 1}}
      - {name: page_size, in: query, schema: {type: integer, minimum: 1, maximum: 100, default: 20}}
      - {name: category, in: query, schema: {type: string, minLength: 1, maxLength: 200}}
      - {name: search, in: query, description: in names and description, schema: {type: string, maxLength: 200}}
    responses:
      200: {description: one page of public apps, x-data: AppPage}
    """
    principal = await _state.authenticate(request)
    params = _query.query(request, ("page", "page_size", "category", "search"))
    page, size = _query.page(params, 100, 20)
    filters = {"category": _query.text(params, "category"), "search": _query.text(params, "search")}
    found = await _state.get(request).call(apps.marketplace, principal.tenant_id, filters, page, size)
    return _state.success(found)


async def get_app(request: Request) -> Response:
    """Reads an app the tenant can see (its own, or a public one) with its versions (drafts only for the owner).

    ---
    tags: [apps]
    x-role: viewer
    responses:
      200: {description: the app, x-data: AppDetail}
    """
    principal = await _state.authenticate(request)
    app_id = _state.path_uuid(request, "app_id")
    return _state.success(await _state.get(request).call(apps.get_app, principal.tenant_id, app_id))


async def update_app(request: Request) -> Response:
    """Changes an app's describing fields (not its publisher or name); only the owner can, for others it is 404.

    A URL field given as null is removed.
    ---
    tags: [apps]
    x-role: admin
    x-body: AppUpdate
    parameters:
      - {$ref: '#/components/parameters/IdempotencyKey'}
    responses:
      200: {description: the app, x-data: AppDetail}
    """
    principal = await _state.authenticate(request, require="admin")
    app_id = _state.path_uuid(request, "app_id")
    body = await _state.read_json_object(request, _UPDATE_FIELDS)
    idem = _state.idempotency(request, "update_app", {"app_id": str(app_id), **body})
    updated = await _changes.change(request, principal, apps.update_app, principal.tenant_id, app_id, body, idem)
    return _state.success(updated)


async def delete_app(request: Request) -> Response:
    """Soft-deletes one of the tenant's apps: it leaves every list and cannot be installed; installations stay.

    ---
    tags: [apps]
    x-role: admin
    responses:
      200: {description: "`{app_id, deleted: true}`", x-data: AppDeleted}
    """
    principal = await _state.authenticate(request, require="admin")
    app_id = _state.path_uuid(request, "app_id")
    await _changes.change(request, principal, apps.delete_app, principal.tenant_id, app_id)
    return _state.success({"app_id": str(app_id), "deleted": True})


async def create_app_version(request: Request) -> Response:
    """Adds a draft version to one of the tenant's apps: an artifact of the tenant's and its actions.

    ---
    tags: [apps]
    x-role: admin
    x-body: AppVersionRequest
    parameters:
      - {$ref: '#/components/parameters/IdempotencyKey'}
    responses:
      201:
        description: the draft version
        x-data: AppVersion
        links:
          GetAppVersion:
            operationId: get_app_version
            parameters: {app_id: '$response.body#/data/app_id', version_id: '$response.body#/data/version_id'}
          PublishAppVersion:
            operationId: publish_app_version
            parameters: {app_id: '$response.body#/data/app_id', version_id: '$response.body#/data/version_id'}
          DeprecateAppVersion:
            operationId: deprecate_app_version
            parameters: {app_id: '$response.body#/data/app_id', version_id: '$response.body#/data/version_id'}
    """
    principal = await _state.authenticate(request, require="admin")
    app_id = _state.path_uuid(request, "app_id")
    body = await _state.read_json_object(request, apps.VERSION_FIELDS)
    idem = _state.idempotency(request, "create_app_version", {"app_id": str(app_id), **body})
    created = await _changes.change(request, principal, apps.create_version, principal.tenant_id, app_id, body, idem)
    return _state.success(created, status=201)


async def list_app_versions(request: Request) -> Response:
    """Lists an app's versions, newest first (drafts only for the owner).

    ---
    tags: [apps]
    x-role: viewer
    responses:
      200: {description: the versions, x-data: AppVersionList}
    """
    principal = await _state.authenticate(request)
    app_id = _state.path_uuid(request, "app_id")
    return _state.success(await _state.get(request).call(apps.list_versions, principal.tenant_id, app_id))


async def get_app_version(request: Request) -> Response:
    """Reads one version of an app the tenant can see (a draft only for the owner).

    ---
    tags: [apps]
    x-role: viewer
    responses:
      200: {description: the version, x-data: AppVersion}
    """
    principal = await _state.authenticate(request)
    app_id, version_id = _state.path_uuid(request, "app_id"), _state.path_uuid(request, "version_id")
    found = await _state.get(request).call(apps.get_version, principal.tenant_id, app_id, version_id)
    return _state.success(found)


async def publish_app_version(request: Request) -> Response:
    """Publishes a draft version: tenants can install it from now on (the marketplace, for a public app).

    ---
    tags: [apps]
    x-role: admin
    parameters:
      - {$ref: '#/components/parameters/IdempotencyKey'}
    responses:
      200: {description: the published version, x-data: AppVersion}
    """
    return await _move(request, "published")


async def deprecate_app_version(request: Request) -> Response:
    """Deprecates a published version: nobody can install or upgrade to it any more; installations keep it.

    ---
    tags: [apps]
    x-role: admin
    parameters:
      - {$ref: '#/components/parameters/IdempotencyKey'}
    responses:
      200: {description: the deprecated version, x-data: AppVersion}
    """
    return await _move(request, "deprecated")


async def _move(request: Request, to_state: str) -> Response:
    principal = await _state.authenticate(request, require="admin")
    app_id, version_id = _state.path_uuid(request, "app_id"), _state.path_uuid(request, "version_id")
    idem = _state.idempotency(request, f"move_app_version_{to_state}", {"app_id": str(app_id), "v": str(version_id)})
    moved = await _changes.change(
        request, principal, apps.move_version, principal.tenant_id, app_id, version_id, to_state, idem
    )
    return _state.success(moved)


OPENAPI_SCHEMAS: dict[str, Any] = yaml.safe_load(r"""
AppRequest:
  type: object
  required: [publisher, app_name]
  additionalProperties: false
  properties: &app_fields
    publisher: {type: string, pattern: '^[a-z][a-z0-9_]{0,62}$', description: "the first tenant to use it owns it"}
    app_name: {type: string, pattern: '^[a-z][a-z0-9_]{0,62}$'}
    display_name: {type: string, minLength: 1, maxLength: 200}
    description: {type: string, maxLength: 2000}
    category: {type: string, pattern: '^[a-z][a-z0-9_-]{0,39}$', default: other}
    tags:
      type: array
      maxItems: 20
      items: {type: string, pattern: '^[a-z0-9][a-z0-9_-]{0,39}$'}
    visibility: {type: string, enum: [private, public], default: private}
    icon_url: {type: [string, "null"], pattern: '^https?://\S+$', maxLength: 2000}
    documentation_url: {type: [string, "null"], pattern: '^https?://\S+$', maxLength: 2000}
    homepage_url: {type: [string, "null"], pattern: '^https?://\S+$', maxLength: 2000}
AppUpdate:
  type: object
  additionalProperties: false
  properties:
    display_name: {type: string, minLength: 1, maxLength: 200}
    description: {type: string, maxLength: 2000}
    category: {type: string, pattern: '^[a-z][a-z0-9_-]{0,39}$'}
    tags:
      type: array
      maxItems: 20
      items: {type: string, pattern: '^[a-z0-9][a-z0-9_-]{0,39}$'}
    visibility: {type: string, enum: [private, public]}
    icon_url: {type: [string, "null"], pattern: '^https?://\S+$', maxLength: 2000}
    documentation_url: {type: [string, "null"], pattern: '^https?://\S+$', maxLength: 2000}
    homepage_url: {type: [string, "null"], pattern: '^https?://\S+$', maxLength: 2000}
App:
  type: object
  required: [app_id, publisher, app_name, display_name, category, visibility, owned, created_at]
  properties:
    app_id: {type: string, format: uuid}
    publisher: {type: string}
    app_name: {type: string}
    display_name: {type: string}
    description: {type: string}
    category: {type: string}
    tags: {type: array, items: {type: string}}
    visibility: {type: string, enum: [private, public]}
    icon_url: {type: [string, "null"]}
    documentation_url: {type: [string, "null"]}
    homepage_url: {type: [string, "null"]}
    owned: {type: boolean, description: "whether the caller's tenant owns the app"}
    latest_version: {type: [string, "null"], description: the newest published version}
    install_count: {type: integer, description: "marketplace only: installations in every tenant"}
    created_at: {type: string, format: date-time}
    updated_at: {type: string, format: date-time}
AppDetail:
  allOf:
    - {$ref: '#/components/schemas/App'}
    - type: object
      required: [versions]
      properties:
        versions: {type: array, items: {$ref: '#/components/schemas/AppVersion'}}
AppPage:
  type: object
  required: [items, page, page_size, has_more]
  properties:
    items: {type: array, items: {$ref: '#/components/schemas/App'}}
    page: {type: integer}
    page_size: {type: integer}
    has_more: {type: boolean}
AppDeleted:
  type: object
  required: [app_id, deleted]
  properties:
    app_id: {type: string, format: uuid}
    deleted: {const: true}
AppCategoryList:
  type: object
  required: [items]
  properties:
    items:
      type: array
      items:
        type: object
        required: [category, app_count]
        properties:
          category: {type: string}
          app_count: {type: integer}
AppVersionRequest:
  type: object
  required: [version, artifact_id, actions]
  additionalProperties: false
  properties:
    version: {type: string, pattern: '^(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})$'}
    artifact_id: {type: string, pattern: '^[0-9a-f]{64}$', description: one of the tenant's artifacts}
    actions:
      type: object
      minProperties: 1
      maxProperties: 100
      propertyNames: {pattern: '^[a-z][a-z0-9_]{0,62}$'}
      additionalProperties:
        type: object
        required: [function]
        additionalProperties: false
        properties:
          function: {type: string, maxLength: 200, pattern: '^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$'}
          description: {type: string, maxLength: 2000}
    required_secrets:
      type: array
      maxItems: 50
      items: {type: string, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'}
    configuration_schema:
      type: object
      description: "a JSON Schema of the supported subset (see docs/api.md, Apps)"
    changelog: {type: string, maxLength: 2000}
AppVersion:
  type: object
  required: [version_id, app_id, version, state, artifact_id, actions, required_secrets, created_at]
  properties:
    version_id: {type: string, format: uuid}
    app_id: {type: string, format: uuid}
    publisher: {type: string}
    app_name: {type: string}
    version: {type: string}
    state: {type: string, enum: [draft, published, deprecated]}
    artifact_id: {type: string}
    actions:
      type: object
      additionalProperties:
        type: object
        properties:
          function: {type: string}
          description: {type: string}
    required_secrets: {type: array, items: {type: string}}
    configuration_schema: {type: [object, "null"]}
    changelog: {type: string}
    created_at: {type: string, format: date-time}
    published_at: {type: [string, "null"], format: date-time}
    deprecated_at: {type: [string, "null"], format: date-time}
AppVersionList:
  type: object
  required: [items]
  properties:
    items: {type: array, items: {$ref: '#/components/schemas/AppVersion'}}
""")

routes = [
    Route("/api/v1/apps", create_app, methods=["POST"]),
    Route("/api/v1/apps", list_apps, methods=["GET"]),
    # Before /api/v1/apps/{app_id}, which would take these names for an app id.
    Route("/api/v1/apps/categories", list_app_categories, methods=["GET"]),
    Route("/api/v1/apps/marketplace", list_marketplace_apps, methods=["GET"]),
    Route("/api/v1/apps/{app_id}", get_app, methods=["GET"]),
    Route("/api/v1/apps/{app_id}", update_app, methods=["PATCH"]),
    Route("/api/v1/apps/{app_id}", delete_app, methods=["DELETE"]),
    Route("/api/v1/apps/{app_id}/versions", create_app_version, methods=["POST"]),
    Route("/api/v1/apps/{app_id}/versions", list_app_versions, methods=["GET"]),
    Route("/api/v1/apps/{app_id}/versions/{version_id}", get_app_version, methods=["GET"]),
    Route("/api/v1/apps/{app_id}/versions/{version_id}/publish", publish_app_version, methods=["POST"]),
    Route("/api/v1/apps/{app_id}/versions/{version_id}/deprecate", deprecate_app_version, methods=["POST"]),
]
