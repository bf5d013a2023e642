"""Routes of workers: registry, heartbeats and commands (drain, pause, resume, capacity).

Workers register themselves (services/worker records a heartbeat once per poll interval); these routes read the
registry of the caller's queue and store commands in a worker's row, which the worker obeys by its next heartbeat.
Viewers read, operators command, admins remove rows from the registry.
"""

from __future__ import annotations

import uuid
from typing import Any

import yaml
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from hwe import errors, workers
from services.api import _changes, _query, _state

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_OFFSET = 100_000
MAX_FILTER_CHARS = 255
_LIST_PARAMETERS = ("status", "queue_name", "machine_id", "limit", "offset")

OPENAPI_SCHEMAS: dict[str, Any] = yaml.safe_load(r"""
WorkerStatus:
  type: string
  enum: [online, paused, draining, offline]
  description: "what the worker is doing by its last heartbeat; offline once it stopped or its heartbeats stopped"
Worker:
  type: object
  required: [worker_id, name, queue_name, machine_id, pid, version, status, requested_status, max_concurrent_tasks,
             in_flight, free_slots, heartbeat_seconds, seconds_since_heartbeat, started_at, last_heartbeat_at]
  properties:
    worker_id: {type: string, format: uuid}
    name: {type: string, description: "hostname:pid, as a run's claim names its worker"}
    queue_name: {type: string}
    machine_id: {type: string, description: the worker's hostname}
    pid: {type: integer}
    version: {type: string, description: the engine version the worker runs}
    status: {$ref: '#/components/schemas/WorkerStatus'}
    requested_status: {type: string, enum: [online, paused, draining], description: the last command}
    pause_reason: {type: [string, "null"]}
    max_concurrent_tasks: {type: integer, description: the runs it takes at once, by its last heartbeat}
    requested_max_concurrent_tasks: {type: [integer, "null"], description: the concurrency asked of it, if any}
    in_flight: {type: integer, description: the runs it holds, by its last heartbeat}
    free_slots: {type: integer}
    heartbeat_seconds: {type: number, description: its heartbeat interval (its poll interval)}
    seconds_since_heartbeat: {type: number}
    started_at: {type: string, format: date-time}
    last_heartbeat_at: {type: string, format: date-time}
    commanded_at: {type: [string, "null"], format: date-time}
WorkerPage:
  type: object
  required: [items, limit, offset, next_offset]
  properties:
    items: {type: array, items: {$ref: '#/components/schemas/Worker'}}
    limit: {type: integer}
    offset: {type: integer}
    next_offset: {type: [integer, "null"], description: the offset of the next page; null on the last}
WorkerSummary:
  type: object
  required: [queue_name, total, by_status, capacity, in_flight, free_slots, utilization]
  properties:
    queue_name: {type: string}
    total: {type: integer}
    by_status:
      type: object
      required: [online, paused, draining, offline]
      properties:
        online: {type: integer}
        paused: {type: integer}
        draining: {type: integer}
        offline: {type: integer}
    capacity: {type: integer, description: the concurrency summed over the workers not offline}
    in_flight: {type: integer, description: the runs they hold}
    free_slots: {type: integer}
    utilization: {type: number, minimum: 0, description: in_flight / capacity (0 without capacity)}
DeletedWorker:
  type: object
  required: [worker_id, deleted]
  properties:
    worker_id: {type: string, format: uuid}
    deleted: {const: true}
WorkerCleanup:
  type: object
  required: [deleted, worker_ids]
  properties:
    deleted: {type: integer, description: how many offline workers were removed (at most 1000 a call)}
    worker_ids: {type: array, items: {type: string, format: uuid}}
WorkerPauseRequest:
  type: object
  additionalProperties: false
  properties:
    reason: {type: [string, "null"], maxLength: 500}
WorkerEmptyRequest:
  type: object
  additionalProperties: false
  maxProperties: 0
WorkerCapacityRequest:
  type: object
  required: [max_concurrent_tasks]
  additionalProperties: false
  properties:
    max_concurrent_tasks: {type: integer, minimum: 1, maximum: 1000}
WorkerCleanupRequest:
  type: object
  additionalProperties: false
  properties:
    threshold_seconds: {type: [number, "null"], minimum: 1, maximum: 2592000}
""")


async def list_workers(request: Request) -> Response:
    """Lists the workers of the caller's queue, oldest start first, one page at a time.

    `queue_name` other than the caller's own queue lists nothing; `machine_id` is a hostname.
    ---
    tags: [workers]
    x-role: viewer
    parameters:
      - {name: status, in: query, schema: {$ref: '#/components/schemas/WorkerStatus'}}
      - {name: queue_name, in: query, schema: {type: string, maxLength: 255}}
      - {name: machine_id, in: query, description: the worker's hostname, schema: {type: string, maxLength: 255}}
      - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 200, default: 50}}
      - {name: offset, in: query, schema: {type: integer, minimum: 0, maximum: 100000, default: 0}}
    responses:
      200: {description: one page of workers, x-data: WorkerPage}
    """
    principal = await _state.authenticate(request, require="viewer")
    query = _query.query(request, _LIST_PARAMETERS)
    status = _query.choice(query, "status", workers.STATUSES)
    queue_name = _query.text(query, "queue_name", MAX_FILTER_CHARS)
    hostname = _query.text(query, "machine_id", MAX_FILTER_CHARS)
    limit = _query.integer(query, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = _query.integer(query, "offset", 0, 0, MAX_OFFSET)
    if queue_name is not None and queue_name != principal.queue_name:
        return _state.success({"items": [], "limit": limit, "offset": offset, "next_offset": None})
    page = await _state.get(request).call(
        _list, principal.queue_name, {"status": status, "hostname": hostname, "limit": limit, "offset": offset}
    )
    return _state.success(page)


async def summarize_workers(request: Request) -> Response:
    """Counts the workers of the caller's queue by status, with their capacity and load.

    ---
    tags: [workers]
    x-role: viewer
    responses:
      200: {description: the summary, x-data: WorkerSummary}
    """
    principal = await _state.authenticate(request, require="viewer")
    return _state.success(await _state.get(request).call(workers.summarize_workers, principal.queue_name))


async def get_worker(request: Request) -> Response:
    """Reads one worker of the caller's queue.

    ---
    tags: [workers]
    x-role: viewer
    responses:
      200: {description: the worker, x-data: Worker}
    """
    principal = await _state.authenticate(request, require="viewer")
    found = await _state.get(request).call(workers.get_worker, principal.queue_name, _worker_id(request))
    return _state.success(found)


async def delete_worker(request: Request) -> Response:
    """Removes a worker from the registry (meant for one that is offline and will not return).

    A live worker registers again, with no command, at its next heartbeat.
    ---
    tags: [workers]
    x-role: admin
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      200: {description: the removed worker's id, x-data: DeletedWorker}
    """
    principal = await _state.authenticate(request, require="admin")
    worker_id = _worker_id(request)
    idem = _state.idempotency(request, "delete_worker", {"worker_id": str(worker_id)})
    deleted = await _changes.change(
        request, principal, workers.delete_worker, principal.tenant_id, principal.queue_name, worker_id, idem
    )
    return _state.success(deleted)


async def cleanup_workers(request: Request) -> Response:
    """Removes the offline workers of the caller's queue (at most 1000 a call).

    Body (optional): `threshold_seconds`: remove only those whose last heartbeat is older than that.
    ---
    tags: [workers]
    x-role: admin
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    requestBody:
      required: false
      content: {application/json: {schema: {$ref: '#/components/schemas/WorkerCleanupRequest'}}}
    responses:
      200: {description: the removed workers, x-data: WorkerCleanup}
    """
    principal = await _state.authenticate(request, require="admin")
    body = await _optional_body(request, ("threshold_seconds",))
    threshold = workers.check_threshold(body.get("threshold_seconds"))
    idem = _state.idempotency(request, "cleanup_workers", body)
    removed = await _changes.change(
        request, principal, workers.cleanup_workers, principal.tenant_id, principal.queue_name, threshold, idem
    )
    return _state.success(removed)


async def drain_worker(request: Request) -> Response:
    """Drains a worker: it stops claiming, gives its runs the drain time to finish (hands back the rest), and exits.

    It obeys at its next heartbeat (one poll interval). A drain cannot be undone.
    ---
    tags: [workers]
    x-role: operator
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    requestBody:
      required: false
      content: {application/json: {schema: {$ref: '#/components/schemas/WorkerEmptyRequest'}}}
    responses:
      200: {description: the worker with its command, x-data: Worker}
    """
    return await _command(request, "drain", ())


async def pause_worker(request: Request) -> Response:
    """Pauses a worker: from its next heartbeat it claims nothing, and keeps running the runs it holds.

    Body (optional): `reason`, shown as the worker's `pause_reason`.
    ---
    tags: [workers]
    x-role: operator
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    requestBody:
      required: false
      content: {application/json: {schema: {$ref: '#/components/schemas/WorkerPauseRequest'}}}
    responses:
      200: {description: the worker with its command, x-data: Worker}
    """
    return await _command(request, "pause", ("reason",))


async def resume_worker(request: Request) -> Response:
    """Resumes a paused worker: it claims again from its next heartbeat (a draining worker cannot be resumed: 409).

    ---
    tags: [workers]
    x-role: operator
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    requestBody:
      required: false
      content: {application/json: {schema: {$ref: '#/components/schemas/WorkerEmptyRequest'}}}
    responses:
      200: {description: the worker with its command, x-data: Worker}
    """
    return await _command(request, "resume", ())


async def set_worker_capacity(request: Request) -> Response:
    """Sets how many runs a worker takes at once, from its next heartbeat on; runs above a lower limit go on.

    ---
    tags: [workers]
    x-role: operator
    x-body: WorkerCapacityRequest
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      200: {description: the worker with the concurrency asked of it, x-data: Worker}
    """
    principal = await _state.authenticate(request, require="operator")
    worker_id = _worker_id(request)
    body = await _state.read_json_object(request, ("max_concurrent_tasks", "batch_size"))
    if "batch_size" in body:
        raise errors.InvalidRequest(
            "invalid_field", "'batch_size' is not a setting here (a worker claims as many runs as it has free slots)"
        )
    concurrency = workers.check_concurrency(body.get("max_concurrent_tasks"))
    idem = _state.idempotency(request, "set_worker_capacity", {"worker_id": str(worker_id), **body})
    updated = await _changes.change(
        request,
        principal,
        workers.set_capacity,
        principal.tenant_id,
        principal.queue_name,
        worker_id,
        concurrency,
        idem,
    )
    return _state.success(updated)


async def _command(request: Request, command: str, fields: tuple[str, ...]) -> Response:
    principal = await _state.authenticate(request, require="operator")
    worker_id = _worker_id(request)
    body = await _optional_body(request, fields)
    reason = workers.check_reason(body.get("reason"))
    idem = _state.idempotency(request, f"{command}_worker", {"worker_id": str(worker_id), **body})
    commanded = await _changes.change(
        request,
        principal,
        workers.command_worker,
        principal.tenant_id,
        principal.queue_name,
        worker_id,
        command,
        reason,
        idem,
    )
    return _state.success(commanded)


def _list(conn: Any, queue_name: str, filters: dict[str, Any]) -> dict[str, Any]:
    return workers.list_workers(conn, queue_name, **filters)


async def _optional_body(request: Request, fields: tuple[str, ...]) -> dict[str, Any]:
    """The JSON object body when one was sent, else {}; fields outside `fields` are a 400."""
    if not await request.body():
        return {}
    return await _state.read_json_object(request, fields)


def _worker_id(request: Request) -> uuid.UUID:
    return _state.path_uuid(request, "worker_id")


routes: list[BaseRoute] = [
    Route("/api/v1/workers", list_workers, methods=["GET"]),
    Route("/api/v1/workers/summary", summarize_workers, methods=["GET"]),
    Route("/api/v1/workers/cleanup", cleanup_workers, methods=["POST"]),
    Route("/api/v1/workers/{worker_id}", get_worker, methods=["GET"]),
    Route("/api/v1/workers/{worker_id}", delete_worker, methods=["DELETE"]),
    Route("/api/v1/workers/{worker_id}/drain", drain_worker, methods=["POST"]),
    Route("/api/v1/workers/{worker_id}/pause", pause_worker, methods=["POST"]),
    Route("/api/v1/workers/{worker_id}/resume", resume_worker, methods=["POST"]),
    Route("/api/v1/workers/{worker_id}/capacity", set_worker_capacity, methods=["PUT"]),
]
