"""Records of the API's changes in the audit trail: who changed what, through which route, and how it ended.

The API calls `append_api_record` around every request that changes something: in the change's own
transaction when it succeeds, and in a transaction of its own when the change was refused or failed and
rolled back; a submission's record is written by the very statement that creates the run (hwe.runs). A record
holds the tenant, the key's public prefix, the method, the route template, the resource and the outcome (`ok` or
the error's class): never a body, a secret or a workflow value.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass

from psycopg.types.json import Jsonb

from hwe import db

EVENT_TYPE = "api_request"


@dataclass(frozen=True)
class ApiRequest:
    """What the trail says about one request, besides its outcome."""

    tenant_id: str
    key_prefix: str
    method: str
    route: str
    request_id: str
    resource_type: str
    resource_id: str | None
    workflow_run_id: uuid.UUID | None


def append_api_record(
    conn: db.Connection, request: ApiRequest, outcome: str, workflow_run_id: uuid.UUID | None = None
) -> None:
    """Appends the request's record; `workflow_run_id` names the run it created when the route named none.

    Args:
        conn: the connection of the change's transaction (or of a transaction of its own, after a rollback).
        request: who did what.
        outcome: `ok`, or the class name of the error that refused the change.
        workflow_run_id: the run a submission created, when the request's route names no run.
    """
    db.execute(
        conn,
        "append_api_record",
        {
            "workflow_run_id": request.workflow_run_id or workflow_run_id,
            "tenant_id": request.tenant_id,
            "detail": detail(request, outcome),
        },
    )


def detail(request: ApiRequest, outcome: str) -> Jsonb:
    """The record's detail: everything the trail says about the request but its tenant and run (columns)."""
    fields = asdict(request)
    del fields["tenant_id"], fields["workflow_run_id"]
    return Jsonb({**fields, "outcome": outcome})
