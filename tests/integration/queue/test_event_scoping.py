"""Events always have an owner run: Python refuses a missing one before any SQL, and so does the SQL."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from psycopg.types.json import Jsonb

from hwe import db, errors, events, tenants


def test_emitting_without_an_owner_run_raises_value_error_before_any_sql(database_url: str) -> None:
    closed = db.connect(database_url)
    closed.close()  # any SQL on it would raise psycopg.OperationalError instead
    with pytest.raises(ValueError, match="workflow_run_id"):
        events.emit_event(
            closed,
            "default",
            tenant_id="t",
            workflow_run_id=None,
            event_name="e",  # type: ignore[arg-type]
            payload={},
        )
    with pytest.raises(ValueError, match="workflow_run_id"):
        events.register_wait(
            closed,
            "default",
            task_id=uuid.uuid4(),
            run_id=uuid.uuid4(),
            workflow_run_id=None,
            tenant_id="t",
            step_name="s",
            position=1,  # type: ignore[arg-type]
            event_name="e",
            timeout_seconds=None,
        )


def test_the_sql_refuses_an_event_without_an_owner_run(conn: db.Connection) -> None:
    name = f"q{uuid.uuid4().hex[:12]}"
    tenants.create_tenant(conn, name, queue_name=name)
    with pytest.raises(errors.InvalidEvent, match="scoped by workflow_run_id"), conn.transaction():
        db.execute(
            conn,
            "insert_event",
            {"workflow_run_id": None, "tenant_id": name, "event_name": "e", "payload": Jsonb({})},
            queue=name,
        )
    with pytest.raises(psycopg.errors.NotNullViolation), conn.transaction():
        conn.execute(
            f"INSERT INTO hwe.e_{name} (workflow_run_id, tenant_id, event_name, payload, emitted_at) "
            "VALUES (NULL, 't', 'e', '{}', now())"
        )


@pytest.mark.parametrize(
    ("name", "payload", "problem"),
    [
        ("e", [1], "JSON object"),
        ("e", {"text": "a\x00b"}, "NUL"),
        ("e", {"blob": "x" * 70_000}, "at most"),
        ("", {}, "1 to 200"),
        ("e" * 201, {}, "1 to 200"),
    ],
)
def test_unacceptable_events_are_refused_with_the_rule_they_break(name: str, payload: object, problem: str) -> None:
    with pytest.raises(errors.InvalidEvent, match=problem):
        events.validate(uuid.uuid4(), name, payload)
