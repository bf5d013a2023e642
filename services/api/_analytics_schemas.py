"""OpenAPI component schemas of the read-model routes (analytics, statistics, tasks, runs, monitoring)."""

from __future__ import annotations

from typing import Any

import yaml

SCHEMAS: dict[str, Any] = yaml.safe_load(r"""
AnalyticsTimeRange:
  type: object
  description: the window read, since inclusive, until exclusive
  required: [since, until]
  properties:
    since: {type: string, format: date-time}
    until: {type: string, format: date-time}
RunStateCounts:
  type: object
  description: unfinished workflow runs by state
  required: [pending, running, sleeping, waiting]
  properties:
    pending: {type: integer, minimum: 0}
    running: {type: integer, minimum: 0}
    sleeping: {type: integer, minimum: 0}
    waiting: {type: integer, minimum: 0}
TaskStateCounts:
  type: object
  description: queue tasks by state
  required: [pending, running, sleeping, completed, failed, cancelled]
  properties:
    pending: {type: integer, minimum: 0}
    running: {type: integer, minimum: 0}
    sleeping: {type: integer, minimum: 0}
    completed: {type: integer, minimum: 0}
    failed: {type: integer, minimum: 0}
    cancelled: {type: integer, minimum: 0}
AnalyticsQueue:
  type: object
  description: the live state of the tenant's work in its queue
  required: [queue_name, runs_by_state, unfinished_runs, attempts, workers, oldest_pending_seconds,
             oldest_ready_seconds, as_of]
  properties:
    queue_name: {type: string}
    runs_by_state: {$ref: '#/components/schemas/RunStateCounts'}
    unfinished_runs: {type: integer, minimum: 0}
    attempts:
      type: object
      description: "queue attempts of unfinished runs: due now, sleeping until later, running, running past their lease"
      required: [ready, sleeping, running, expired_leases]
      properties:
        ready: {type: integer, minimum: 0}
        sleeping: {type: integer, minimum: 0}
        running: {type: integer, minimum: 0}
        expired_leases: {type: integer, minimum: 0}
    workers: {type: integer, minimum: 0, description: distinct workers holding a live lease}
    oldest_pending_seconds: {type: [number, "null"], description: age of the oldest pending run}
    oldest_ready_seconds: {type: [number, "null"], description: how long the oldest due attempt has waited}
    as_of: {type: string, format: date-time}
AnalyticsQueueList:
  type: object
  required: [items]
  properties:
    items: {type: array, items: {$ref: '#/components/schemas/AnalyticsQueue'}}
TaskDistribution:
  type: object
  required: [total, by_state, by_queue, by_workflow, time_range]
  properties:
    total: {type: integer, minimum: 0}
    by_state: {$ref: '#/components/schemas/TaskStateCounts'}
    by_queue: {type: object, additionalProperties: {$ref: '#/components/schemas/TaskStateCounts'}}
    by_workflow:
      type: object
      description: the 100 busiest workflow names
      additionalProperties: {$ref: '#/components/schemas/TaskStateCounts'}
    time_range: {$ref: '#/components/schemas/AnalyticsTimeRange'}
AnalyticsQueueDetail:
  allOf:
    - {$ref: '#/components/schemas/AnalyticsQueue'}
    - type: object
      required: [unfinished_by_workflow, tasks]
      properties:
        unfinished_by_workflow:
          type: array
          description: unfinished runs by workflow name, the 100 busiest
          items:
            type: object
            required: [workflow_name, total, pending, running, sleeping, waiting, oldest_created_at]
            properties:
              workflow_name: {type: string}
              total: {type: integer, minimum: 0}
              pending: {type: integer, minimum: 0}
              running: {type: integer, minimum: 0}
              sleeping: {type: integer, minimum: 0}
              waiting: {type: integer, minimum: 0}
              oldest_created_at: {type: string, format: date-time}
        tasks: {$ref: '#/components/schemas/TaskDistribution'}
QueueTask:
  type: object
  description: the root task of a workflow run
  required: [task_id, workflow_run_id, workflow_name, task_name, state, attempts, max_attempts, enqueue_at,
             first_started_at, completed_at, cancelled_at, created_at]
  properties:
    task_id: {type: string, format: uuid}
    workflow_run_id: {type: string, format: uuid}
    workflow_name: {type: string}
    task_name: {type: string}
    state: {type: string, enum: [pending, running, sleeping, completed, failed, cancelled]}
    attempts: {type: integer, minimum: 0}
    max_attempts: {type: integer, minimum: 1}
    enqueue_at: {type: string, format: date-time}
    first_started_at: {type: [string, "null"], format: date-time}
    completed_at: {type: [string, "null"], format: date-time}
    cancelled_at: {type: [string, "null"], format: date-time}
    created_at: {type: string, format: date-time, description: when its workflow run was created}
QueueTaskPage:
  type: object
  required: [items, page, page_size, has_more, time_range]
  properties:
    items: {type: array, items: {$ref: '#/components/schemas/QueueTask'}, description: newest first}
    page: {type: integer, minimum: 1}
    page_size: {type: integer, minimum: 1}
    has_more: {type: boolean}
    time_range: {$ref: '#/components/schemas/AnalyticsTimeRange'}
QueueTaskList:
  type: object
  required: [items, limit, offset, has_more, time_range]
  properties:
    items: {type: array, items: {$ref: '#/components/schemas/QueueTask'}, description: newest first}
    limit: {type: integer, minimum: 1}
    offset: {type: integer, minimum: 0}
    has_more: {type: boolean}
    time_range: {$ref: '#/components/schemas/AnalyticsTimeRange'}
TaskAttempt:
  type: object
  required: [run_id, attempt, state, claimed_by, created_at, started_at, completed_at, failed_at, failure_reason]
  properties:
    run_id: {type: string, format: uuid}
    attempt: {type: integer, minimum: 1}
    state: {type: string, enum: [pending, running, sleeping, completed, failed, cancelled]}
    claimed_by: {type: [string, "null"]}
    created_at: {type: string, format: date-time}
    started_at: {type: [string, "null"], format: date-time}
    completed_at: {type: [string, "null"], format: date-time}
    failed_at: {type: [string, "null"], format: date-time}
    failure_reason: {description: why the attempt failed, or null}
QueueTaskDetail:
  type: object
  required: [task_id, workflow_run_id, workflow_name, workflow_state, queue_name, task_name, params, retry_strategy,
             max_attempts, state, attempts, enqueue_at, first_started_at, completed_at, cancelled_at, failure_reason,
             runs, checkpoint_count, checkpoints]
  properties:
    task_id: {type: string, format: uuid}
    workflow_run_id: {type: string, format: uuid}
    workflow_name: {type: string}
    workflow_state: {type: string}
    queue_name: {type: string}
    task_name: {type: string}
    params: {type: object}
    retry_strategy: {type: object}
    max_attempts: {type: integer, minimum: 1}
    state: {type: string, enum: [pending, running, sleeping, completed, failed, cancelled]}
    attempts: {type: integer, minimum: 0}
    enqueue_at: {type: string, format: date-time}
    first_started_at: {type: [string, "null"], format: date-time}
    completed_at: {type: [string, "null"], format: date-time}
    cancelled_at: {type: [string, "null"], format: date-time}
    failure_reason: {description: why the task failed, or null}
    runs: {type: array, items: {$ref: '#/components/schemas/TaskAttempt'}, description: every attempt, oldest first}
    checkpoint_count: {type: integer, minimum: 0}
    checkpoints:
      type: array
      description: the first 200 checkpoints in step order, without their values
      items:
        type: object
        required: [step_name, position, status, owner_run_id, created_at]
        properties:
          step_name: {type: string}
          position: {type: integer}
          status: {type: string, enum: [ok, error]}
          owner_run_id: {type: string, format: uuid}
          created_at: {type: string, format: date-time}
QueueAttempt:
  type: object
  description: an unfinished queue attempt (a run of a task)
  required: [run_id, task_id, workflow_run_id, workflow_name, current_step, attempt, state, claimed_by,
             claim_expires_at, available_at, wake_event, created_at, started_at]
  properties:
    run_id: {type: string, format: uuid}
    task_id: {type: string, format: uuid}
    workflow_run_id: {type: string, format: uuid}
    workflow_name: {type: string}
    current_step: {type: [string, "null"]}
    attempt: {type: integer, minimum: 1}
    state: {type: string, enum: [pending, running, sleeping]}
    claimed_by: {type: [string, "null"], description: the worker holding it}
    claim_expires_at: {type: [string, "null"], format: date-time}
    available_at: {type: string, format: date-time}
    wake_event: {type: [string, "null"]}
    created_at: {type: string, format: date-time}
    started_at: {type: [string, "null"], format: date-time}
QueueAttemptPage:
  type: object
  required: [items, page, page_size, has_more]
  properties:
    items: {type: array, items: {$ref: '#/components/schemas/QueueAttempt'}, description: newest first}
    page: {type: integer, minimum: 1}
    page_size: {type: integer, minimum: 1}
    has_more: {type: boolean}
QueueAttemptDetail:
  type: object
  required: [run_id, task_id, workflow_run_id, workflow_name, queue_name, attempt, max_attempts, state, claimed_by,
             claim_expires_at, available_at, wake_event, created_at, started_at, completed_at, failed_at,
             failure_reason]
  properties:
    run_id: {type: string, format: uuid}
    task_id: {type: string, format: uuid}
    workflow_run_id: {type: string, format: uuid}
    workflow_name: {type: string}
    queue_name: {type: string}
    attempt: {type: integer, minimum: 1}
    max_attempts: {type: integer, minimum: 1}
    state: {type: string, enum: [pending, running, sleeping, completed, failed, cancelled]}
    claimed_by: {type: [string, "null"]}
    claim_expires_at: {type: [string, "null"], format: date-time}
    available_at: {type: string, format: date-time}
    wake_event: {type: [string, "null"]}
    created_at: {type: string, format: date-time}
    started_at: {type: [string, "null"], format: date-time}
    completed_at: {type: [string, "null"], format: date-time}
    failed_at: {type: [string, "null"], format: date-time}
    failure_reason: {description: why the attempt failed, or null}
QueueAttemptCheckpointPage:
  type: object
  required: [run_id, task_id, workflow_run_id, items, limit, offset, has_more]
  properties:
    run_id: {type: string, format: uuid}
    task_id: {type: string, format: uuid}
    workflow_run_id: {type: string, format: uuid}
    items:
      type: array
      description: the checkpoints this attempt committed, in step order
      items:
        type: object
        required: [step_name, position, status, state, created_at]
        properties:
          step_name: {type: string}
          position: {type: integer}
          status: {type: string, enum: [ok, error]}
          state: {description: the step's committed value}
          created_at: {type: string, format: date-time}
    limit: {type: integer, minimum: 1}
    offset: {type: integer, minimum: 0}
    has_more: {type: boolean}
WorkflowStatsRow:
  type: object
  required: [workflow_name, total_workflows, status_breakdown, finished, success_rate, throughput_per_hour,
             avg_duration_seconds, p50_duration_seconds, p95_duration_seconds, p99_duration_seconds,
             max_duration_seconds, total_duration_seconds, avg_wait_seconds, p50_wait_seconds, p95_wait_seconds]
  properties:
    workflow_name: {type: [string, "null"], description: null for the overall figures}
    total_workflows: {type: integer, minimum: 0}
    status_breakdown:
      type: object
      required: [pending, running, sleeping, waiting, completed, failed, cancelled]
      additionalProperties: {type: integer, minimum: 0}
    finished: {type: integer, minimum: 0, description: completed, failed or cancelled}
    success_rate: {type: [number, "null"], minimum: 0, maximum: 1, description: completed / finished}
    throughput_per_hour: {type: number, minimum: 0, description: finished runs per hour of the window}
    avg_duration_seconds: {type: [number, "null"], description: "finished_at - started_at of finished runs"}
    p50_duration_seconds: {type: [number, "null"]}
    p95_duration_seconds: {type: [number, "null"]}
    p99_duration_seconds: {type: [number, "null"]}
    max_duration_seconds: {type: [number, "null"]}
    total_duration_seconds: {type: number}
    avg_wait_seconds: {type: [number, "null"], description: "started_at - created_at: the wait for a first claim"}
    p50_wait_seconds: {type: [number, "null"]}
    p95_wait_seconds: {type: [number, "null"]}
WorkflowStats:
  allOf:
    - {$ref: '#/components/schemas/WorkflowStatsRow'}
    - type: object
      required: [by_name, time_range]
      properties:
        by_name: {type: array, items: {$ref: '#/components/schemas/WorkflowStatsRow'}, description: the 100 busiest}
        time_range: {$ref: '#/components/schemas/AnalyticsTimeRange'}
WorkflowPerformance:
  type: object
  required: [overall, workflows, time_range]
  properties:
    overall: {$ref: '#/components/schemas/WorkflowStatsRow'}
    workflows: {type: array, items: {$ref: '#/components/schemas/WorkflowStatsRow'}, description: the 100 busiest}
    time_range: {$ref: '#/components/schemas/AnalyticsTimeRange'}
WorkflowRunMetrics:
  type: object
  required: [workflow_run_id, workflow_name, status, current_step, step_count, steps_completed, attempts,
             retry_count, step_retries, failed_step_attempts, checkpoint_count, event_count, child_runs,
             wait_seconds, run_seconds, duration_seconds, created_at, started_at, finished_at, updated_at]
  properties:
    workflow_run_id: {type: string, format: uuid}
    workflow_name: {type: string}
    status: {type: string, enum: [pending, running, sleeping, waiting, completed, failed, cancelled]}
    current_step: {type: [string, "null"]}
    step_count: {type: integer, minimum: 0, description: the tasks of its plan}
    steps_completed: {type: integer, minimum: 0}
    attempts: {type: integer, minimum: 0, description: queue attempts of its root task}
    retry_count: {type: integer, minimum: 0, description: queue attempts after the first, plus step retries}
    step_retries: {type: integer, minimum: 0, description: "step attempts after a step's first (`task#N`)"}
    failed_step_attempts: {type: integer, minimum: 0}
    checkpoint_count: {type: integer, minimum: 0}
    event_count: {type: integer, minimum: 0, description: its audit records}
    child_runs: {type: integer, minimum: 0}
    wait_seconds: {type: [number, "null"], description: "from creation to the first claim (so far, if unclaimed)"}
    run_seconds: {type: [number, "null"], description: "from the first claim to the end (so far, if unfinished)"}
    duration_seconds: {type: [number, "null"], description: "from creation to the end (so far, if unfinished)"}
    created_at: {type: string, format: date-time}
    started_at: {type: [string, "null"], format: date-time}
    finished_at: {type: [string, "null"], format: date-time}
    updated_at: {type: string, format: date-time}
EventAnalytics:
  type: object
  required: [total, by_type, events, time_range]
  properties:
    total: {type: integer, minimum: 0}
    by_type:
      type: array
      description: audit record counts by event type, the most frequent first (at most 100 types)
      items:
        type: object
        required: [event_type, count, first_at, last_at]
        properties:
          event_type: {type: string}
          count: {type: integer, minimum: 1}
          first_at: {type: string, format: date-time}
          last_at: {type: string, format: date-time}
    events:
      type: array
      description: the newest records, newest first
      items:
        type: object
        required: [event_id, workflow_run_id, event_type, run_id, created_at]
        properties:
          event_id: {type: integer}
          workflow_run_id: {type: [string, "null"], format: uuid, description: null for a record of no run}
          event_type: {type: string}
          run_id: {type: [string, "null"], format: uuid}
          created_at: {type: string, format: date-time}
    time_range: {$ref: '#/components/schemas/AnalyticsTimeRange'}
LiveMonitoring:
  allOf:
    - {$ref: '#/components/schemas/AnalyticsQueue'}
    - type: object
      required: [count, tasks, recent_events, time_range]
      properties:
        count: {type: integer, minimum: 0}
        tasks: {type: array, items: {$ref: '#/components/schemas/QueueAttempt'}, description: running attempts}
        recent_events:
          type: object
          description: audit records of the last minutes by event type
          additionalProperties: {type: integer, minimum: 1}
        time_range: {$ref: '#/components/schemas/AnalyticsTimeRange'}
""")
