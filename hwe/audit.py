"""A tenant's audit trail: the records of the append-only `hwe.event_log`, filtered, counted and paged.

Called by the API's admin audit-log routes. Reads only and never opens a transaction: the caller owns
it (to count and list in one, for example). Not the writer: `runs.append_event` appends each record in
the transaction of the change it records.

Records of days the archive pruned from PostgreSQL (`hwe.archive`) are read back from the DataShard archive where a
run is named: a run's trail (`workflow_run_id` or `resource_id`) is PostgreSQL's records plus the archive's records
no longer in PostgreSQL, merged newest first and counted together, and one record by its id is looked up there too
when PostgreSQL has none. The listing that names no run reads PostgreSQL only, so its pages stay index range scans.

The published SDK describes audit records as actions on resources by users. A run's own records are about
that run (`resource_type` `workflow_run`, `resource_id` its id); an API request's record (`api_request`,
written by `api_records`) is about the resource its route names (`webhook`, `api_key`, ...). A record's
`action_type` is its event type. No record is a user's yet, so a `user_email` filter matches none.
"""

from __future__ import annotations

import contextlib
import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from hwe import archive_store, db

# What a run's own records are about; an API request's record names its resource in its detail.
RESOURCE_TYPE = "workflow_run"
# event_id is a bigint: no larger id can exist.
MAX_LOG_ID = 2**63 - 1


@dataclass(frozen=True)
class AuditFilter:
    """Which records to list. Every field is optional (None: no filter); a record must match them all.

    `event_type` and `action_type` are the same thing in two vocabularies (ours and the SDK's), as are
    `workflow_run_id` and `resource_id`; given both, a record must match both.
    """

    workflow_run_id: uuid.UUID | None = None
    event_type: str | None = None
    action_type: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    user_email: str | None = None
    start_date: datetime.datetime | None = None
    end_date: datetime.datetime | None = None


def count_audit_records(conn: db.Connection, tenant_id: str, where: AuditFilter) -> int:
    """Counts the tenant's audit records that match the filter.

    Args:
        conn: a connection; run it in the same transaction as `list_audit_records` for a matching page.
        tenant_id: whose records; other tenants' records are never counted.
        where: the filter.
    """
    params = _params(tenant_id, where)
    if params is None:
        return 0
    total: int = db.execute(conn, "count_audit_records", params)[0]["total"]
    return total


def list_audit_records(
    conn: db.Connection, tenant_id: str, where: AuditFilter, *, limit: int | None, offset: int = 0
) -> list[dict[str, Any]]:
    """Returns one page of the tenant's audit records in PostgreSQL that match the filter, newest first.

    Args:
        conn: a connection.
        tenant_id: whose records; other tenants' records are never listed.
        where: the filter.
        limit: at most this many records (None: every one).
        offset: skip this many matching records first (the records of the earlier pages).
    """
    params = _params(tenant_id, where)
    if params is None:
        return []
    rows = db.execute(conn, "list_audit_records", {**params, "limit": limit, "offset": offset})
    return [_record(row) for row in rows]


def page_audit_records(
    conn: db.Connection,
    tenant_id: str,
    where: AuditFilter,
    *,
    limit: int,
    offset: int = 0,
    archive_location: str | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    """Counts the tenant's audit records that match the filter and returns one page of them, newest first.

    When the filter names a run and some of the tenant's days were pruned, the archive's records of that run that
    are no longer in PostgreSQL are merged in and counted; otherwise PostgreSQL alone answers.

    Args:
        conn: a connection; run it in a transaction for a count and a page that agree.
        tenant_id: whose records; other tenants' records are never counted or listed.
        where: the filter.
        limit: at most this many records.
        offset: skip this many matching records first (the records of the earlier pages).
        archive_location: the DataShard archive (`archive_store.location`); None: PostgreSQL only.
    """
    params = _params(tenant_id, where)
    if params is None:
        return 0, []
    if params["workflow_run_id"] is None or archive_location is None or not _some_days_pruned(conn, tenant_id):
        total = count_audit_records(conn, tenant_id, where)
        if offset >= total:
            return total, []
        return total, list_audit_records(conn, tenant_id, where, limit=limit, offset=offset)
    in_postgres = list_audit_records(conn, tenant_id, where, limit=None)
    known = {record["log_id"] for record in in_postgres}
    archived = archive_store.read_records(
        archive_location,
        tenant_id=tenant_id,
        workflow_run_id=params["workflow_run_id"],
        event_type=params["event_type"],
        start=params["start_date"],
        end=params["end_date"],
    )
    only_archived = [_record(row) for row in archived if row["event_id"] not in known]
    merged = in_postgres + [record for record in only_archived if _is_about(record, params)]
    merged.sort(key=lambda record: (record["created_at"], record["log_id"]), reverse=True)
    return len(merged), merged[offset : offset + limit]


def get_audit_record(
    conn: db.Connection, tenant_id: str, log_id: int, archive_location: str | None = None
) -> dict[str, Any] | None:
    """Returns one of the tenant's audit records, or None when the tenant has none with that id.

    Args:
        conn: a connection.
        tenant_id: whose record; another tenant's record is not found.
        log_id: the record's id (its event_id).
        archive_location: the DataShard archive, looked up when PostgreSQL has no such record and some of the
            tenant's days were pruned; None: PostgreSQL only.
    """
    if not 0 < log_id <= MAX_LOG_ID:
        return None
    rows = db.execute(conn, "get_audit_record", {"event_id": log_id, "tenant_id": tenant_id})
    if rows:
        return _record(rows[0])
    if archive_location is None or not _some_days_pruned(conn, tenant_id):
        return None
    archived = archive_store.read_records(archive_location, tenant_id=tenant_id, event_id=log_id)
    return _record(archived[0]) if archived else None


def _is_about(record: dict[str, Any], params: dict[str, Any]) -> bool:
    """The resource filters of list_audit_records, applied to an archived record."""
    resource_type, resource_id = params.get("resource_type"), params.get("resource_id")
    if resource_type is not None and record["resource_type"] != resource_type:
        return False
    return resource_id is None or str(record["resource_id"]) == resource_id


def _some_days_pruned(conn: db.Connection, tenant_id: str) -> bool:
    """Whether some of the tenant's records may exist only in the archive (a day of theirs was pruned)."""
    pruned: bool = db.execute(conn, "tenant_has_pruned_days", {"tenant_id": tenant_id})[0]["pruned"]
    return pruned


def _params(tenant_id: str, where: AuditFilter) -> dict[str, Any] | None:
    """The statement parameters of a filter in our vocabulary, or None when no record can match it."""
    if where.user_email is not None:
        return None
    resource_id = where.resource_id
    if resource_id is not None:
        with contextlib.suppress(ValueError):  # a run's id in any spelling; other ids as they are
            resource_id = str(uuid.UUID(resource_id))
    run_ids = {where.workflow_run_id} - {None}
    event_types = {where.event_type, where.action_type} - {None}
    if len(event_types) > 1:
        return None
    return {
        "tenant_id": tenant_id,
        "workflow_run_id": next(iter(run_ids), None),
        "event_type": next(iter(event_types), None),
        "resource_type": where.resource_type,
        "resource_id": resource_id,
        "start_date": where.start_date,
        "end_date": where.end_date,
    }


def _record(row: db.Row) -> dict[str, Any]:
    """An event_log row in the SDK's vocabulary, with our own names beside it (ids as UUIDs, times aware)."""
    detail = row["detail"] if isinstance(row["detail"], dict) else {}
    return {
        "log_id": row["event_id"],
        "action_type": row["event_type"],
        "resource_type": detail.get("resource_type", RESOURCE_TYPE),
        "resource_id": detail.get("resource_id") or row["workflow_run_id"],
        "user_email": None,
        "event_type": row["event_type"],
        "workflow_run_id": row["workflow_run_id"],
        "attempt_run_id": row["run_id"],
        "detail": row["detail"],
        "created_at": row["created_at"],
    }
