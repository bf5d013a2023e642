"""The OpenAPI component schemas of the log views (`_logs`), kept apart so the handlers' module stays small."""

from __future__ import annotations

from typing import Any

import yaml

SCHEMAS: dict[str, Any] = yaml.safe_load(r"""
LogEntry:
  type: object
  description: "what one attempt of a task wrote to one stream, capped at 65536 bytes (head and tail kept)"
  required: [log_id, task_id, attempt, stream, content, size_bytes, dropped_bytes, truncated, status, tool,
             started_at, logged_at]
  properties:
    log_id: {type: integer}
    task_id: {type: string, description: "the task's step name (a loop iteration's has its index: body[2])"}
    attempt: {type: integer, minimum: 1}
    stream: {type: string, enum: [stdout, stderr, log]}
    content: {type: string}
    size_bytes: {type: integer, description: the bytes the attempt wrote to the stream}
    dropped_bytes: {type: integer, description: the bytes cut out of the middle (a marker line says so)}
    truncated: {type: boolean}
    status: {type: string, enum: [ok, error], description: how the attempt ended}
    tool: {type: [string, "null"]}
    started_at: {type: string, format: date-time}
    logged_at: {type: string, format: date-time}
LogCounts:
  type: object
  required: [captured_logs_count, log_size_bytes, dropped_bytes, truncated_entries, log_level_counts,
             last_logged_at]
  properties:
    captured_logs_count: {type: integer}
    log_size_bytes: {type: integer}
    dropped_bytes: {type: integer}
    truncated_entries: {type: integer}
    log_level_counts:
      type: object
      required: [stdout, stderr, log]
      properties: {stdout: {type: integer}, stderr: {type: integer}, log: {type: integer}}
    last_logged_at: {type: [string, "null"], format: date-time}
WorkflowLog:
  allOf:
    - {$ref: '#/components/schemas/LogCounts'}
    - type: object
      required: [workflow_run_id, workflow_name, status, parent_run_id, created_at, started_at, completed_at,
                 duration_ms, error_message]
      properties:
        workflow_run_id: {type: string, format: uuid}
        workflow_name: {type: string}
        status: {type: string, enum: [pending, running, sleeping, waiting, completed, failed, cancelled]}
        parent_run_id: {type: [string, "null"], format: uuid}
        created_at: {type: string, format: date-time}
        started_at: {type: [string, "null"], format: date-time}
        completed_at: {type: [string, "null"], format: date-time}
        duration_ms: {type: [integer, "null"]}
        error_message: {type: [string, "null"]}
WorkflowLogPage:
  type: object
  required: [workflows, limit, next_cursor]
  properties:
    workflows: {type: array, items: {$ref: '#/components/schemas/WorkflowLog'}}
    limit: {type: integer}
    next_cursor: {type: [string, "null"], description: "pass as cursor for the next page; null on the last"}
TaskLogSummary:
  type: object
  required: [task_id, attempts, last_attempt, entries, size_bytes, dropped_bytes, last_status, tool,
             first_started_at, last_logged_at]
  properties:
    task_id: {type: string}
    attempts: {type: integer, description: the attempts that stored output}
    last_attempt: {type: integer}
    entries: {type: integer}
    size_bytes: {type: integer}
    dropped_bytes: {type: integer}
    last_status: {type: string, enum: [ok, error]}
    tool: {type: [string, "null"]}
    first_started_at: {type: string, format: date-time}
    last_logged_at: {type: string, format: date-time}
WorkflowLogDetail:
  allOf:
    - {$ref: '#/components/schemas/WorkflowLog'}
    - type: object
      required: [tasks]
      properties:
        tasks: {type: array, items: {$ref: '#/components/schemas/TaskLogSummary'}, maxItems: 1000}
LogEntryPage:
  type: object
  required: [workflow_run_id, entries, limit, next_cursor]
  properties:
    workflow_run_id: {type: string, format: uuid}
    task_id: {type: string}
    step_name: {type: [string, "null"]}
    entries: {type: array, items: {$ref: '#/components/schemas/LogEntry'}}
    limit: {type: integer}
    next_cursor: {type: [string, "null"], description: "pass as cursor for the next page; null on the last"}
ActivityLog:
  allOf:
    - {$ref: '#/components/schemas/Activity'}
    - {$ref: '#/components/schemas/LogCounts'}
    - type: object
      properties:
        captured_logs: {type: array, items: {$ref: '#/components/schemas/LogEntry'}}
        next_cursor: {type: [string, "null"]}
RunActivityLogs:
  type: object
  required: [workflow_run_id, activities, summary]
  properties:
    workflow_run_id: {type: string, format: uuid}
    activities: {type: array, items: {$ref: '#/components/schemas/ActivityLog'}}
    summary:
      type: object
      required: [total_activities, completed, failed]
      properties: {total_activities: {type: integer}, completed: {type: integer}, failed: {type: integer}}
ActivityLogPage:
  type: object
  required: [activities, limit, next_cursor]
  properties:
    activities: {type: array, items: {$ref: '#/components/schemas/ActivityLog'}}
    limit: {type: integer}
    next_cursor: {type: [string, "null"]}
LogStats:
  type: object
  required: [total_workflows, total_entries, size_bytes, stored_bytes, dropped_bytes, truncated_entries,
             failed_attempt_entries, streams, first_logged_at, last_logged_at, counted_all]
  properties:
    total_workflows: {type: integer, description: runs with stored output}
    total_entries: {type: integer}
    size_bytes: {type: integer, description: bytes the attempts wrote}
    stored_bytes: {type: integer, description: bytes kept after the caps}
    dropped_bytes: {type: integer}
    truncated_entries: {type: integer}
    failed_attempt_entries: {type: integer, description: entries of attempts that failed}
    streams:
      type: object
      additionalProperties:
        type: object
        required: [entries, size_bytes]
        properties: {entries: {type: integer}, size_bytes: {type: integer}}
    first_logged_at: {type: [string, "null"], format: date-time}
    last_logged_at: {type: [string, "null"], format: date-time}
    counted_all: {type: boolean, description: "false: only the 100000 newest entries were counted"}
""")
