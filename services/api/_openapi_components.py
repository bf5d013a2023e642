"""The shared parts of the OpenAPI document: schemas, parameters and error responses.

Endpoint docstrings refer to these by name (`x-data: Key`, `$ref: '#/components/responses/NotFound'`).
"""

from __future__ import annotations

from typing import Any

import yaml

_COMPONENTS_YAML = r"""
securitySchemes:
  apiKey:
    type: http
    scheme: bearer
    description: "An API key: hw_<prefix>_<secret>."
parameters:
  IdempotencyKey:
    name: X-Idempotency-Key
    in: header
    description: the same key with the same body answers the same response; with another body, 409
    schema: {type: string, minLength: 1, maxLength: 255, pattern: '^[ -~]+$', description: printable ASCII}
schemas:
  Error:
    type: object
    required: [status, code, message, request_id]
    properties:
      status: {const: error}
      code: {type: string, description: "a stable, machine-readable reason"}
      message: {type: string}
      details: {description: "more about the error, or null"}
      request_id: {type: string, description: "also in the X-Request-ID header and the API's log"}
      existing_run_id: {type: string, description: "on a 409 of a submission: the run the key created"}
  WebhookEventType:
    type: string
    enum: [run.started, run.completed, run.failed, run.cancelled, run.waiting, task.failed]
  WebhookRequest:
    type: object
    required: [url, event_types]
    additionalProperties: false
    properties:
      url:
        type: string
        maxLength: 2048
        pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^/?#@\s]+'
        description: "an http:// or https:// URL with a host and no credentials; not a link-local or metadata address"
      event_types: {type: array, minItems: 1, items: {$ref: '#/components/schemas/WebhookEventType'}}
      description: {type: [string, "null"], maxLength: 500}
  Webhook:
    type: object
    required: [webhook_id, url, event_types, state, created_at]
    properties:
      webhook_id: {type: string, format: uuid}
      url: {type: string}
      event_types: {type: array, items: {$ref: '#/components/schemas/WebhookEventType'}}
      description: {type: string}
      state: {type: string, enum: [active, disabled], description: "disabled after the receiver answered 410"}
      disabled_reason: {type: [string, "null"]}
      created_at: {type: string, format: date-time}
      updated_at: {type: string, format: date-time}
  NewWebhook:
    allOf:
      - {$ref: '#/components/schemas/Webhook'}
      - type: object
        required: [secret]
        properties:
          secret: {type: string, description: "the signing secret, whsec_ and base64; shown only in this answer"}
  WebhookList:
    type: object
    required: [items]
    properties:
      items: {type: array, items: {$ref: '#/components/schemas/Webhook'}}
  WebhookDelivery:
    type: object
    required: [delivery_id, event_type, workflow_run_id, state, attempts, created_at]
    properties:
      delivery_id: {type: string, format: uuid, description: "also the webhook-id header of every attempt"}
      event_type: {$ref: '#/components/schemas/WebhookEventType'}
      workflow_run_id: {type: string, format: uuid}
      event_id: {type: [integer, "null"], description: "the audit record it announces, if any"}
      state: {type: string, enum: [pending, delivered, dead]}
      attempts: {type: integer}
      next_attempt_at: {type: [string, "null"], format: date-time, description: "next try; null unless pending"}
      last_status_code: {type: [integer, "null"]}
      last_error: {type: [string, "null"]}
      created_at: {type: string, format: date-time}
      finished_at: {type: [string, "null"], format: date-time}
  WebhookDeliveryList:
    type: object
    required: [items]
    properties:
      items: {type: array, items: {$ref: '#/components/schemas/WebhookDelivery'}}
  Role:
    type: string
    enum: [admin, operator, viewer]
  NewKey:
    type: object
    required: [key, prefix, role, created_at]
    properties:
      key: {type: string, description: "the full key; shown only in this answer"}
      prefix: {type: string}
      role: {$ref: '#/components/schemas/Role'}
      created_at: {type: string, format: date-time}
  TenantRequest:
    type: object
    required: [tenant_id]
    additionalProperties: false
    properties:
      tenant_id: {type: string, pattern: '^[a-z][a-z0-9_-]{0,40}$'}
  NewTenant:
    type: object
    required: [tenant_id, queue_name, created_at, admin_key]
    properties:
      tenant_id: {type: string}
      queue_name: {type: string}
      created_at: {type: string, format: date-time}
      admin_key: {$ref: '#/components/schemas/NewKey'}
  RunSummary:
    type: object
    properties:
      workflow_run_id: {type: string, format: uuid}
      workflow_name: {type: string}
      workflow_version: {type: string}
      state: {type: string, enum: [pending, running, sleeping, waiting, completed, failed, cancelled]}
      current_step: {type: [string, "null"]}
      progress:
        type: object
        properties: {completed: {type: integer}, total: {type: integer}}
      parent_run_id: {type: [string, "null"], format: uuid}
      created_at: {type: string, format: date-time}
      started_at: {type: [string, "null"], format: date-time}
      finished_at: {type: [string, "null"], format: date-time}
      updated_at: {type: string, format: date-time}
  RunPage:
    type: object
    required: [items, next_cursor]
    properties:
      items: {type: array, items: {$ref: '#/components/schemas/RunSummary'}}
      next_cursor: {type: [string, "null"], description: "pass as cursor for the next page; null on the last"}
  AuditLog:
    type: object
    description: "one record of the append-only event log, in the SDK's vocabulary and ours"
    required: [log_id, action_type, resource_type, resource_id, user_email, event_type, workflow_run_id,
               attempt_run_id, detail, created_at]
    properties:
      log_id: {type: integer, description: "the record's id (the event log's event_id)"}
      action_type: {type: string, description: "the SDK's name of event_type"}
      resource_type:
        type: string
        description: "workflow_run for a run's event; for an API request (api_request), what its route names:
          workflow_run, webhook, api_key, schedule, ..., or api"
      resource_id: {type: [string, "null"], description: "the resource's id (a run's workflow_run_id), if any"}
      user_email: {type: "null", description: "no record is a user's yet"}
      event_type: {type: string, description: "submitted, completed, failed, cancelled, api_request, ..."}
      workflow_run_id: {type: [string, "null"], format: uuid, description: "the run it is about, if any"}
      attempt_run_id: {type: [string, "null"], format: uuid, description: "the queue attempt, when one wrote it"}
      detail: {type: object}
      created_at: {type: string, format: date-time}
  AuditLogPage:
    type: object
    required: [audit_logs, total, page, per_page]
    properties:
      audit_logs: {type: array, items: {$ref: '#/components/schemas/AuditLog'}, description: newest first}
      total: {type: integer, description: every matching record, on all pages}
      page: {type: integer, minimum: 1}
      per_page: {type: integer, minimum: 1, maximum: 200}
  Version:
    type: object
    properties:
      version: {type: string}
      api_version: {type: string}
responses:
  BadRequest:
    description: the request is not valid (the code and message say why)
    content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}
  Unauthorized:
    description: no API key, or an unknown or revoked one
    content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}
  Forbidden:
    description: the API key's role may not do this
    content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}
  NotFound:
    description: no such resource for the caller's tenant
    content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}
  Conflict:
    description: a conflict (an idempotency key reused with another body, or a resource that exists)
    content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}
  PayloadTooLarge:
    description: the body is larger than 1 MiB
    content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}
  TooManyRequests:
    description: the API key's rate limit is used up; retry after Retry-After seconds
    headers:
      Retry-After: {schema: {type: integer}, description: seconds to wait}
    content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}
  InternalError:
    description: an unexpected error; the request_id names it in the API's log
    content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}
  Unavailable:
    description: the database does not answer
    content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}
"""

COMPONENTS: dict[str, Any] = yaml.safe_load(_COMPONENTS_YAML)
