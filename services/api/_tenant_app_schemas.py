"""The OpenAPI schemas of the tenant app routes (`services/api/_tenant_apps.py`): bodies and answers."""

from __future__ import annotations

from typing import Any

import yaml

SCHEMAS: dict[str, Any] = yaml.safe_load(r"""
AppInstallRequest:
  type: object
  required: [app_id]
  additionalProperties: false
  properties:
    app_id: {type: string, format: uuid}
    version_id: {type: [string, "null"], format: uuid, description: "a published version; by default the newest"}
    configuration: {type: object, description: "checked against the version's configuration schema"}
AppUpgradeRequest:
  type: object
  additionalProperties: false
  properties:
    version_id: {type: [string, "null"], format: uuid, description: "a newer published version; by default the newest"}
AppInstallation:
  type: object
  required: [installation_id, app_id, version_id, version, publisher, app_name, status, installed_at]
  properties:
    installation_id: {type: string, format: uuid}
    app_id: {type: string, format: uuid}
    version_id: {type: string, format: uuid}
    version: {type: string}
    version_state: {type: string, enum: [published, deprecated]}
    publisher: {type: string}
    app_name: {type: string}
    display_name: {type: string}
    category: {type: string}
    status: {type: string, enum: [enabled, disabled]}
    required_secrets: {type: array, items: {type: string}}
    missing_secrets: {type: array, items: {type: string}, description: required secrets not set yet}
    installed_at: {type: string, format: date-time}
    updated_at: {type: string, format: date-time}
AppInstallationPage:
  type: object
  required: [items, page, page_size, has_more]
  properties:
    items: {type: array, items: {$ref: '#/components/schemas/AppInstallation'}}
    page: {type: integer}
    page_size: {type: integer}
    has_more: {type: boolean}
AppUninstalled:
  type: object
  required: [installation_id, uninstalled]
  properties:
    installation_id: {type: string, format: uuid}
    uninstalled: {const: true}
AppToolList:
  type: object
  required: [items]
  properties:
    items:
      type: array
      items:
        type: object
        required: [tool, action, installation_id, publisher, app_name, version]
        properties:
          tool: {type: string, description: "the name a task's function gives: apps.<publisher>.<app_name>.<action>"}
          action: {type: string}
          description: {type: string}
          installation_id: {type: string, format: uuid}
          app_id: {type: string, format: uuid}
          publisher: {type: string}
          app_name: {type: string}
          version: {type: string}
AppConfiguration:
  type: object
  required: [installation_id, version, configuration]
  properties:
    installation_id: {type: string, format: uuid}
    version: {type: string}
    configuration: {type: object}
    configuration_schema: {type: [object, "null"]}
AppConfigurationUpdate:
  type: object
  required: [configuration]
  additionalProperties: false
  properties:
    configuration: {type: object, description: "settings to change; a null value removes one"}
AppLogAction:
  type: string
  enum: [install, enable, disable, upgrade, configure, set_secret, delete_secret]
AppInstallationLog:
  type: object
  required: [log_id, installation_id, action, actor, details, created_at]
  properties:
    log_id: {type: integer}
    installation_id: {type: string, format: uuid}
    action: {$ref: '#/components/schemas/AppLogAction'}
    actor: {type: string, description: "the public prefix of the API key that made the change"}
    details: {type: object, description: "versions, configuration keys or a secret's name; never a value"}
    created_at: {type: string, format: date-time}
AppInstallationLogPage:
  type: object
  required: [items, page, page_size, has_more]
  properties:
    items: {type: array, items: {$ref: '#/components/schemas/AppInstallationLog'}}
    page: {type: integer}
    page_size: {type: integer}
    has_more: {type: boolean}
AppSecret:
  type: object
  required: [name, is_set]
  properties:
    name: {type: string}
    required: {type: boolean}
    is_set: {type: boolean}
    created_at: {type: [string, "null"], format: date-time}
    updated_at: {type: [string, "null"], format: date-time}
AppSecretList:
  type: object
  required: [items]
  properties:
    items: {type: array, items: {$ref: '#/components/schemas/AppSecret'}}
AppSecretRequest:
  type: object
  required: [value]
  additionalProperties: false
  properties:
    value: {type: string, minLength: 1, maxLength: 8192}
AppSecretDeleted:
  type: object
  required: [name, deleted]
  properties:
    name: {type: string}
    deleted: {const: true}
""")
