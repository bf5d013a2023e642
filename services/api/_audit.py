"""GET /api/v1/admin/audit-logs and /{log_id}: the tenant's audit trail for admins, in the SDK's shape.

The published SDK (highway-sdk 1.0.1) names the list's query parameters and its answer
`{audit_logs, total, page, per_page}`; `hwe.audit` maps the event log onto that vocabulary. Pages are
numbered from 1 and cut by offset, newest first: a record appended while a client pages pushes the
older ones down, so a later page may repeat a record but never skips one (the log is append-only).
A run's trail and one record by id include the records the archive pruned from PostgreSQL, read from the
DataShard archive at `[audit] archive_path` (see `hwe.audit`).
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import archive_store, audit, db, errors
from services.api import _query, _state

DEFAULT_PAGE = 1
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
# Keeps (page - 1) * per_page within a bigint OFFSET.
MAX_PAGE = 2**31 - 1
_TEXT_FILTERS = ("event_type", "action_type", "resource_type", "resource_id", "user_email")
_PARAMETERS = frozenset({*_TEXT_FILTERS, "workflow_run_id", "start_date", "end_date", "page", "per_page"})


async def list_audit_logs(request: Request) -> Response:
    """Lists the tenant's audit records, newest first, one numbered page at a time.

    Records are about workflow runs today: `resource_type` is `workflow_run`, `resource_id` the run's id
    and `action_type` its event type (`event_type`). No record is a user's yet, so `user_email` matches
    none. `start_date` and `end_date` are ISO 8601 times (UTC when no offset is given), both inclusive.
    Unknown or repeated parameters answer 400. A run's records (`workflow_run_id` or `resource_id`) include those
    the archive pruned from the database; the listing that names no run shows the database's records only.
    ---
    tags: [audit]
    x-role: admin
    parameters:
      - {name: workflow_run_id, in: query, description: only this run's records, schema: {type: string,
         format: uuid}}
      - {name: event_type, in: query, description: only records of this event type, schema: {type: string}}
      - {name: action_type, in: query, description: "the SDK's name of event_type", schema: {type: string}}
      - {name: resource_type, in: query, description: "only `workflow_run` matches today",
         schema: {type: string}}
      - {name: resource_id, in: query, description: "the run's id, for resource_type workflow_run",
         schema: {type: string}}
      - {name: user_email, in: query, description: "no record is a user's yet, so this matches none",
         schema: {type: string}}
      - {name: start_date, in: query, description: records created at or after, schema: {type: string,
         format: date-time}}
      - {name: end_date, in: query, description: records created at or before, schema: {type: string,
         format: date-time}}
      - {name: page, in: query, schema: {type: integer, minimum: 1, maximum: 2147483647, default: 1}}
      - {name: per_page, in: query, schema: {type: integer, minimum: 1, maximum: 200, default: 50}}
    responses:
      200:
        description: one page of audit records
        x-data: AuditLogPage
        links:
          GetAuditLog: {operationId: get_audit_log, parameters: {log_id: '$response.body#/data/audit_logs/0/log_id'}}
    """
    principal = await _state.authenticate(request, require="admin")
    where, page, per_page = _read_query(request)
    state = _state.get(request)
    archive = archive_store.location(state.settings)
    total, records = await state.call(_page, principal.tenant_id, where, page, per_page, archive)
    return _state.success(
        {"audit_logs": [_view(record) for record in records], "total": total, "page": page, "per_page": per_page}
    )


async def get_audit_log(request: Request) -> Response:
    """One audit record of the tenant, by its log_id.

    Log ids are integers (the event log's event_id). Another tenant's record answers 404, as does an
    unknown id or one that is not an integer. A record the archive pruned from the database is found there.
    ---
    tags: [audit]
    x-role: admin
    parameters:
      - {name: log_id, in: path, required: true, schema: {type: integer, minimum: 1}}
    responses:
      200: {description: the audit record, x-data: AuditLog}
    """
    principal = await _state.authenticate(request, require="admin")
    raw = request.path_params["log_id"]
    record = None
    if _is_small_number(raw):
        state = _state.get(request)
        archive = archive_store.location(state.settings)
        record = await state.call(audit.get_audit_record, principal.tenant_id, int(raw), archive)
    if record is None:
        raise errors.AuditRecordNotFound(f"audit log {raw[:40]} not found")
    return _state.success(_view(record))


def _page(
    conn: db.Connection, tenant_id: str, where: audit.AuditFilter, page: int, per_page: int, archive: str
) -> tuple[int, list[dict[str, Any]]]:
    with conn.transaction():
        return audit.page_audit_records(
            conn, tenant_id, where, limit=per_page, offset=(page - 1) * per_page, archive_location=archive
        )


def _read_query(request: Request) -> tuple[audit.AuditFilter, int, int]:
    query = _query.query(request, _PARAMETERS)
    start = _query.time(query, "start_date")
    end = _query.time(query, "end_date")
    if start is not None and end is not None and start > end:
        raise errors.InvalidRequest("invalid_filter", "start_date must not be after end_date")
    where = audit.AuditFilter(
        workflow_run_id=_query.identifier(query, "workflow_run_id"),
        start_date=start,
        end_date=end,
        **{name: query.get(name) for name in _TEXT_FILTERS},
    )
    page = _query.integer(query, "page", DEFAULT_PAGE, 1, MAX_PAGE)
    per_page = _query.integer(query, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    return where, page, per_page


def _is_small_number(raw: str) -> bool:
    """ASCII digits short enough for int() (which refuses thousands of digits) and for a bigint."""
    return 0 < len(raw) <= 19 and raw.isascii() and raw.isdigit()


def _view(record: dict[str, Any]) -> dict[str, Any]:
    return {name: _json(value) for name, value in record.items()}


def _json(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return value


routes = [
    Route("/api/v1/admin/audit-logs", list_audit_logs, methods=["GET"]),
    Route("/api/v1/admin/audit-logs/{log_id}", get_audit_log, methods=["GET"]),
]
