"""The services' database role (`hwe grant ROLE`): it runs the whole engine, yet can never rewrite the audit trail.

Real parts: a database of its own cloned from the migrated template, a real login role, `hwe grant` as a
subprocess run by the owner, and the API, a worker and `hwe audit archive` running as that role.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from hwe import db, tenants
from tests.conftest import create_database
from tests.integration.conftest import start_api_process, start_ready_service, wait_until
from tests.workflow_examples import load


def _hwe(url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HWE_")}
    env.update({"HWE_DATABASE_URL": url, "HWE_STATE_DIR": str(tmp_path / "state")})
    env["HWE_AUDIT_ARCHIVE_PATH"] = str(tmp_path / "archive")
    command = [sys.executable, "-m", "hwe.cli.main", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path)


@pytest.fixture
def owner_url(postgres_server: Any) -> str:
    """A migrated database of this test's own (so the grants it makes touch no other test)."""
    return create_database(postgres_server, f"hwe_role_{uuid.uuid4().hex[:10]}")


@pytest.fixture
def service_url(owner_url: str, tmp_path: Path) -> Iterator[str]:
    """The database as seen by a new login role that `hwe grant` gave the service privileges."""
    role = f"hwe_service_{uuid.uuid4().hex[:10]}"
    with db.connect(owner_url) as conn:
        conn.execute(psycopg.sql.SQL("CREATE ROLE {} LOGIN").format(psycopg.sql.Identifier(role)))
    granted = _hwe(owner_url, tmp_path, "grant", role)
    assert granted.returncode == 0, granted.stderr
    assert "append-only" in granted.stderr
    yield owner_url.replace("postgresql://postgres:", f"postgresql://{role}:", 1)


def _append(conn: db.Connection, created_at: datetime.datetime) -> int:
    row = conn.execute(
        "INSERT INTO hwe.event_log (workflow_run_id, tenant_id, event_type, detail, created_at)"
        " VALUES (%s, 'default', 'probe', %s, %s) RETURNING event_id",
        (uuid.uuid4(), json.dumps({}), created_at),
    ).fetchone()
    event_id: int = row["event_id"]
    return event_id


def test_the_services_role_appends_to_the_trail_but_cannot_update_delete_or_truncate_it(
    service_url: str, owner_url: str
) -> None:
    with db.connect(service_url) as conn:
        now = conn.execute("SELECT hwe.current_time() AS t").fetchone()["t"]
        event_id = _append(conn, now)
        # A partition created after the grant, through the owner's function, is protected the same way.
        conn.execute("SELECT hwe.ensure_event_log_partitions(40)")
        later = now + datetime.timedelta(days=35)
        _append(conn, later)
        statements = [
            ("UPDATE hwe.event_log SET event_type = 'changed' WHERE event_id = %s", (event_id,)),
            ("DELETE FROM hwe.event_log WHERE event_id = %s", (event_id,)),
            ("TRUNCATE hwe.event_log", None),
            (f"UPDATE hwe.event_log_p{now:%Y%m%d} SET event_type = 'changed'", None),
            (f"DELETE FROM hwe.event_log_p{later:%Y%m%d}", None),
            ("DELETE FROM hwe.event_log_default", None),
            ("SELECT hwe.drop_event_log_partition(%s, 1)", (now.date(),)),
        ]
        outcomes = []
        for statement, params in statements:
            try:
                conn.execute(statement, params)
                outcomes.append(("done", statement))
            except psycopg.errors.InsufficientPrivilege:
                outcomes.append(("refused", statement))
            except psycopg.Error as err:
                outcomes.append((type(err).__name__, statement))

    # Refused by the grants, before the append-only triggers; the drop refuses a day the archive does not hold.
    assert [outcome for outcome, _ in outcomes[:-1]] == ["refused"] * 6, outcomes
    with db.connect(owner_url) as conn:
        assert conn.execute("SELECT count(*) AS n FROM hwe.event_log").fetchone()["n"] >= 2
        kept = conn.execute("SELECT to_regclass(%s) IS NOT NULL AS e", (f"hwe.event_log_p{now:%Y%m%d}",)).fetchone()
        assert kept["e"] is True


def test_the_engine_runs_a_workflow_and_archives_its_trail_as_the_services_role(
    service_url: str, owner_url: str, service_env: dict[str, str], secrets_file: Path, tmp_path: Path
) -> None:
    pepper = json.loads(secrets_file.read_text())["api_key_pepper"]
    with db.connect(owner_url) as conn:
        tenants.create_tenant(conn, "roles", queue_name="roles")
        key = tenants.create_api_key(conn, "roles", "admin", pepper)
    env = {**service_env, "HWE_DATABASE_URL": service_url}
    api, url = start_api_process(env, tmp_path / "api.log")
    worker = start_ready_service(
        "services.worker", {**env, "HWE_WORKER_QUEUE": "roles"}, tmp_path, "worker", "HWE_WORKER_HEALTH_FILE"
    )
    client = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=10)
    try:
        submitted = client.post(
            "/api/v1/workflows", json={"workflow_definition": load("three_shell_steps"), "inputs": {"name": "role"}}
        )
        assert submitted.status_code == 201, submitted.text
        run_id = submitted.json()["data"]["workflow_run_id"]
        run = wait_until(
            lambda: (
                (r := client.get(f"/api/v1/workflows/{run_id}").json()["data"])["state"] in ("completed", "failed")
                and r
            ),
            30,
            "the run to finish",
            interval=0.1,
        )
        trail = client.get("/api/v1/admin/audit-logs", params={"workflow_run_id": run_id}).json()["data"]
    finally:
        client.close()
        worker.stop()
        api.stop()

    assert run["state"] == "completed", json.dumps(run)[:2000]
    assert trail["total"] > 0
    with db.connect(owner_url) as conn:  # a past day's record, in a partition of its own
        past = conn.execute("SELECT hwe.current_time() - interval '3 days' AS t").fetchone()["t"]
        conn.execute("SELECT hwe.create_event_log_partition(%s)", (past.date(),))
        _append(conn, past)
    archived = _hwe(service_url, tmp_path, "audit", "archive", "--older-than", "0s")
    assert archived.returncode == 0, archived.stderr
    with db.connect(owner_url) as conn:  # dropped through the owner's function, after the archive verified it
        gone = conn.execute("SELECT to_regclass(%s) IS NULL AS g", (f"hwe.event_log_p{past:%Y%m%d}",)).fetchone()
    assert gone["g"] is True, archived.stderr
