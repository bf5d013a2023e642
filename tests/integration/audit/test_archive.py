"""The audit trail's DataShard archive: whole UTC days of event_log archived, verified, then their partition dropped.

Real parts throughout: this xdist worker's PostgreSQL (records are INSERTed with explicit past times, which the
append-only rule allows, each into a day partition the test creates), a real DataShard table under tmp_path, `hwe`
as a subprocess, and an API and an audit service as processes of their own. Each test uses days of its own, all
within the last 25 days, so the default `archive_after` (30d) of other tests' audit services never takes them.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from hwe import archive, archive_store, db, migrate
from tests.integration.conftest import Service, Tenant, start_api_process, start_ready_service, wait_until
from tests.workflow_examples import load

MIGRATION = migrate.MIGRATIONS_DIR / "highway_0.2.00_event_log_partitions.sql"
EVERY_DAY_BEFORE_TODAY = datetime.timedelta(0)


def _today(conn: db.Connection) -> datetime.date:
    today: datetime.date = conn.execute("SELECT (hwe.current_time() AT TIME ZONE 'UTC')::date AS d").fetchone()["d"]
    return today


def _days_ago(conn: db.Connection, days: int) -> datetime.date:
    return _today(conn) - datetime.timedelta(days=days)


def _partition(conn: db.Connection, day: datetime.date) -> str:
    """Creates the day's partition (days before today have none unless made) and returns its name."""
    conn.execute("SELECT hwe.create_event_log_partition(%s)", (day,))
    name = f"event_log_p{day:%Y%m%d}"
    assert _exists(conn, name), f"no partition for {day}: its rows would land in DEFAULT"
    return name


def _exists(conn: db.Connection, table: str) -> bool:
    return conn.execute("SELECT to_regclass(%s) IS NOT NULL AS e", (f"hwe.{table}",)).fetchone()["e"] is True


def _insert(conn: db.Connection, tenant_id: str, run_id: uuid.UUID, day: datetime.date, count: int) -> list[int]:
    """Appends `count` records of the run at noon (UTC) of `day`, a second apart; returns their ids."""
    noon = datetime.datetime(day.year, day.month, day.day, 12, tzinfo=datetime.UTC)
    ids = []
    for index in range(count):
        row = conn.execute(
            "INSERT INTO hwe.event_log (workflow_run_id, tenant_id, event_type, detail, created_at)"
            " VALUES (%s, %s, %s, %s, %s) RETURNING event_id",
            (
                run_id,
                tenant_id,
                f"step_{index}",
                json.dumps({"n": index, "day": str(day)}),
                noon + datetime.timedelta(seconds=index),
            ),
        ).fetchone()
        ids.append(row["event_id"])
    return ids


def _archived_run(location: Path, run_id: uuid.UUID) -> list[dict[str, Any]]:
    return sorted(archive_store.read_records(str(location), workflow_run_id=run_id), key=lambda r: r["event_id"])


def _snapshots(location: Path) -> int:
    table = archive_store.open_table(str(location))
    return 0 if table is None else len(table.snapshots())


@pytest.fixture
def hwe_cli(database_url: str, tmp_path: Path) -> Any:
    """Runs `hwe ARGS` against this worker's database with the archive in tmp_path/archive."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HWE_")}
    env.update(
        {
            "HWE_DATABASE_URL": database_url,
            "HWE_STATE_DIR": str(tmp_path / "state"),
            "HWE_AUDIT_ARCHIVE_PATH": str(tmp_path / "archive"),
        }
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "hwe.cli.main", "audit", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            cwd=tmp_path,
        )

    return run


@pytest.fixture
def started() -> Iterator[list[Service]]:
    """Service processes a test starts; each is stopped after it."""
    services: list[Service] = []
    yield services
    for service in services:
        service.stop()


def _export(hwe_cli: Any, *args: str) -> list[dict[str, Any]]:
    done = hwe_cli("export", *args)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_records_of_past_days_are_archived_their_partitions_dropped_and_a_second_pass_does_nothing(
    conn: db.Connection, tenant: Tenant, tmp_path: Path
) -> None:
    run_id, location = uuid.uuid4(), tmp_path / "archive"
    days = [_days_ago(conn, 21), _days_ago(conn, 20)]
    partitions = [_partition(conn, day) for day in days]
    ids = _insert(conn, tenant.tenant_id, run_id, days[0], 3) + _insert(conn, tenant.tenant_id, run_id, days[1], 2)

    first = archive.run_archive_pass(conn, str(location), EVERY_DAY_BEFORE_TODAY)

    mine = [day for day in first.days if day.day in days]
    assert [(d.day, d.appended, d.verified, d.kept, d.pruned) for d in mine] == [
        (days[0], 3, 3, 0, True),
        (days[1], 2, 2, 0, True),
    ]
    assert not any(_exists(conn, name) for name in partitions)
    assert (
        conn.execute("SELECT count(*) AS n FROM hwe.event_log WHERE workflow_run_id = %s", (run_id,)).fetchone()["n"]
        == 0
    )
    assert [r["event_id"] for r in _archived_run(location, run_id)] == ids
    booked = conn.execute(
        "SELECT day, record_count, checksum, snapshot_id, pruned_at IS NOT NULL AS pruned FROM hwe.event_log_archive"
        " WHERE tenant_id = %s ORDER BY day",
        (tenant.tenant_id,),
    ).fetchall()
    assert [(b["day"], b["record_count"], b["pruned"]) for b in booked] == [(days[0], 3, True), (days[1], 2, True)]
    assert booked[1]["snapshot_id"] == archive_store.current_snapshot_id(archive_store.open_table(str(location)))
    commits = _snapshots(location)

    second = archive.run_archive_pass(conn, str(location), EVERY_DAY_BEFORE_TODAY)

    assert second.days == () and not second.busy
    assert _snapshots(location) == commits == 2  # one DataShard commit per day
    assert len(_archived_run(location, run_id)) == 5


def test_export_shows_the_same_records_before_and_after_archiving(
    conn: db.Connection, tenant: Tenant, hwe_cli: Any
) -> None:
    run_id, day = uuid.uuid4(), _days_ago(conn, 18)
    partition = _partition(conn, day)
    _insert(conn, tenant.tenant_id, run_id, day, 3)
    before = _export(hwe_cli, "--workflow-run-id", str(run_id))

    archived = hwe_cli("archive", "--older-than", "0s")

    assert archived.returncode == 0, archived.stderr
    assert re.search(
        rf"^{day}: 3 record\(s\) archived, 3 verified .* partition dropped, snapshot \d+$", archived.stdout, re.M
    ), archived.stdout
    assert not _exists(conn, partition)
    after = _export(hwe_cli, "--workflow-run-id", str(run_id))
    assert after == before
    assert [r["event_type"] for r in after] == ["step_0", "step_1", "step_2"]
    assert after[0]["created_at"] == f"{day}T12:00:00+00:00"
    assert after[0]["detail"] == {"n": 0, "day": str(day)}
    assert {r["tenant_id"] for r in after} == {tenant.tenant_id}


def test_export_as_of_an_earlier_snapshot_shows_the_archive_as_it_was(
    conn: db.Connection, tenant: Tenant, hwe_cli: Any, tmp_path: Path
) -> None:
    run_id, location = uuid.uuid4(), str(tmp_path / "archive")
    early, late = _days_ago(conn, 17), _days_ago(conn, 14)
    _partition(conn, early)
    _partition(conn, late)
    early_ids = _insert(conn, tenant.tenant_id, run_id, early, 2)
    late_ids = _insert(conn, tenant.tenant_id, run_id, late, 2)
    # 15 days (plus the 5 minutes' grace) takes the early day only, whatever the time of day.
    first = archive.run_archive_pass(conn, location, datetime.timedelta(days=15))
    second = archive.run_archive_pass(conn, location, EVERY_DAY_BEFORE_TODAY)
    assert first.snapshot_id is not None and second.snapshot_id not in (None, first.snapshot_id)

    then = _export(hwe_cli, "--workflow-run-id", str(run_id), "--as-of", str(first.snapshot_id))
    now = _export(hwe_cli, "--workflow-run-id", str(run_id), "--as-of", str(second.snapshot_id))

    assert [r["event_id"] for r in then] == early_ids
    assert [r["event_id"] for r in now] == early_ids + late_ids


def test_the_api_lists_a_runs_archived_records_with_the_others(
    conn: db.Connection, tenant: Tenant, service_env: dict[str, str], tmp_path: Path, started: list[Service]
) -> None:
    location = tmp_path / "archive"
    api = _start_api(service_env, tmp_path, location, started)
    response = tenant.submit(load("three_shell_steps"), {"name": "archived"})
    assert response.status_code == 201, response.text
    run_id = uuid.UUID(response.json()["data"]["workflow_run_id"])
    days = [_days_ago(conn, 12), _days_ago(conn, 11)]
    for day in days:
        _partition(conn, day)
    old_ids = _insert(conn, tenant.tenant_id, run_id, days[0], 2) + _insert(conn, tenant.tenant_id, run_id, days[1], 1)
    archive.run_archive_pass(conn, str(location), EVERY_DAY_BEFORE_TODAY)
    headers = {"Authorization": f"Bearer {tenant.key}"}

    with httpx.Client(base_url=api, headers=headers, timeout=10) as client:
        listed = client.get("/api/v1/admin/audit-logs", params={"workflow_run_id": str(run_id), "per_page": 200})
        paged = client.get(
            "/api/v1/admin/audit-logs", params={"workflow_run_id": str(run_id), "per_page": 2, "page": 2}
        )
        one = client.get(f"/api/v1/admin/audit-logs/{old_ids[0]}")

    data = listed.json()["data"]
    in_postgres = conn.execute(
        "SELECT count(*) AS n FROM hwe.event_log WHERE workflow_run_id = %s", (run_id,)
    ).fetchone()["n"]
    assert in_postgres >= 1  # the submission's record, of today
    assert data["total"] == in_postgres + 3
    records = data["audit_logs"]
    assert [r["log_id"] for r in records[-3:]] == sorted(old_ids, reverse=True)
    assert [r["created_at"] for r in records] == sorted((r["created_at"] for r in records), reverse=True)
    assert len({r["log_id"] for r in records}) == len(records)
    assert paged.json()["data"]["total"] == data["total"]
    assert [r["log_id"] for r in paged.json()["data"]["audit_logs"]] == [r["log_id"] for r in records[2:4]]
    assert one.status_code == 200, one.text
    assert one.json()["data"]["detail"] == {"n": 0, "day": str(days[0])}
    assert one.json()["data"]["workflow_run_id"] == str(run_id)


def _start_api(service_env: dict[str, str], tmp_path: Path, location: Path, started: list[Service]) -> str:
    service, url = start_api_process({**service_env, "HWE_AUDIT_ARCHIVE_PATH": str(location)}, tmp_path / "api.log")
    started.append(service)
    return url


def test_a_secret_in_a_runs_inputs_appears_in_no_archived_record(
    conn: db.Connection, tenant: Tenant, tmp_path: Path
) -> None:
    secret = f"planted-{uuid.uuid4().hex}"
    response = tenant.submit(load("three_shell_steps"), {"name": secret})
    assert response.status_code == 201, response.text
    run_id = uuid.UUID(response.json()["data"]["workflow_run_id"])
    day, location = _days_ago(conn, 9), tmp_path / "archive"
    _partition(conn, day)
    # The run's own records, as the engine wrote them, moved to a past day so that a pass takes them.
    copied = conn.execute(
        "INSERT INTO hwe.event_log (workflow_run_id, tenant_id, event_type, run_id, detail, created_at)"
        " SELECT workflow_run_id, tenant_id, event_type, run_id, detail, %s FROM hwe.event_log"
        " WHERE workflow_run_id = %s RETURNING event_id",
        (datetime.datetime(day.year, day.month, day.day, 12, tzinfo=datetime.UTC), run_id),
    ).fetchall()
    assert copied

    archive.run_archive_pass(conn, str(location), EVERY_DAY_BEFORE_TODAY)

    archived = _archived_run(location, run_id)
    assert {r["event_id"] for r in archived} == {row["event_id"] for row in copied}
    assert secret not in json.dumps(archived, default=str)
    files = [path for path in location.rglob("*") if path.is_file()]
    assert files and not any(secret.encode() in path.read_bytes() for path in files)


def test_update_delete_and_truncate_of_event_log_are_refused_after_partitioning(
    conn: db.Connection, tenant: Tenant
) -> None:
    run_id, today = uuid.uuid4(), _today(conn)
    _insert(conn, tenant.tenant_id, run_id, today, 1)
    _insert(conn, tenant.tenant_id, run_id, today + datetime.timedelta(days=3000), 1)  # no partition: DEFAULT
    assert (
        conn.execute(
            "SELECT count(*) AS n FROM pg_partitioned_table WHERE partrelid = 'hwe.event_log'::regclass"
        ).fetchone()["n"]
        == 1
    )
    statements = [
        ("UPDATE hwe.event_log SET event_type = 'changed' WHERE workflow_run_id = %s", (run_id,)),
        ("DELETE FROM hwe.event_log WHERE workflow_run_id = %s", (run_id,)),
        ("TRUNCATE hwe.event_log", None),
        ("TRUNCATE hwe.event_log_default", None),
        (f"TRUNCATE hwe.event_log_p{today:%Y%m%d}", None),
    ]
    for statement, params in statements:
        with pytest.raises(psycopg.Error) as refused:
            conn.execute(statement, params)
        assert refused.value.sqlstate == "HW010", statement
    kept = conn.execute("SELECT event_type FROM hwe.event_log WHERE workflow_run_id = %s", (run_id,)).fetchall()
    assert [row["event_type"] for row in kept] == ["step_0", "step_0"]


def test_a_crash_between_archive_commit_and_prune_neither_loses_nor_duplicates_records(
    conn: db.Connection, tenant: Tenant, tmp_path: Path
) -> None:
    run_id, day, location = uuid.uuid4(), _days_ago(conn, 5), tmp_path / "archive"
    partition = _partition(conn, day)
    ids = _insert(conn, tenant.tenant_id, run_id, day, 4)
    step = archive.archive_day(conn, str(location), day)  # the archive step, then "the crash": no prune step
    assert (step.appended, step.verified, step.partition_rows) == (4, 4, 4)
    assert _exists(conn, partition) and _snapshots(location) == 1

    result = archive.run_archive_pass(conn, str(location), EVERY_DAY_BEFORE_TODAY)

    redone = next(d for d in result.days if d.day == day)
    assert (redone.appended, redone.verified, redone.pruned) == (0, 4, True)
    assert _snapshots(location) == 1  # nothing was appended twice
    assert not _exists(conn, partition)
    assert [r["event_id"] for r in _archived_run(location, run_id)] == ids


def test_rows_of_a_day_in_the_default_partition_are_archived_kept_and_exported_once(
    conn: db.Connection, tenant: Tenant, hwe_cli: Any, tmp_path: Path
) -> None:
    run_id, day, location = uuid.uuid4(), _days_ago(conn, 4), str(tmp_path / "archive")
    assert not _exists(conn, f"event_log_p{day:%Y%m%d}")  # a past day: its rows land in DEFAULT
    ids = _insert(conn, tenant.tenant_id, run_id, day, 2)

    first = archive.run_archive_pass(conn, location, EVERY_DAY_BEFORE_TODAY)
    second = archive.run_archive_pass(conn, location, EVERY_DAY_BEFORE_TODAY)

    mine = next(d for d in first.days if d.day == day)
    assert (mine.appended, mine.kept, mine.pruned) == (2, 2, False)
    assert day not in [d.day for d in second.days]
    assert [r["event_id"] for r in _archived_run(Path(location), run_id)] == ids
    still = conn.execute("SELECT event_id FROM hwe.event_log WHERE workflow_run_id = %s ORDER BY 1", (run_id,))
    assert [row["event_id"] for row in still] == ids
    assert [r["event_id"] for r in _export(hwe_cli, "--workflow-run-id", str(run_id))] == ids


def test_the_audit_service_archives_on_its_timer(
    conn: db.Connection, tenant: Tenant, service_env: dict[str, str], tmp_path: Path, started: list[Service]
) -> None:
    run_id, day, location = uuid.uuid4(), _days_ago(conn, 2), tmp_path / "archive"
    partition = _partition(conn, day)
    ids = _insert(conn, tenant.tenant_id, run_id, day, 2)
    env = {**service_env, "HWE_AUDIT_ARCHIVE_PATH": str(location), "HWE_AUDIT_ARCHIVE_AFTER": "0s"}

    started.append(start_ready_service("services.audit", env, tmp_path, "audit", "HWE_AUDIT_HEALTH_FILE"))

    wait_until(lambda: not _exists(conn, partition), 20, "the audit service to archive and drop the day")
    assert [r["event_id"] for r in _archived_run(location, run_id)] == ids


def test_partitions_are_pre_created_except_for_a_day_whose_rows_sit_in_default(
    conn: db.Connection, tenant: Tenant
) -> None:
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1000 + uuid.uuid4().int % 1000)
    conn.execute("SELECT set_config('hwe.fake_now', %s, false)", (later.isoformat(),))
    today = _today(conn)
    _insert(conn, tenant.tenant_id, uuid.uuid4(), today + datetime.timedelta(days=2), 1)  # no partition yet: DEFAULT

    created = archive.ensure_partitions(conn, 3)

    assert created == 3
    made = [_exists(conn, f"event_log_p{today + datetime.timedelta(days=n):%Y%m%d}") for n in range(4)]
    assert made == [True, True, False, True]
    assert archive.ensure_partitions(conn, 3) == 0


def test_the_partition_migration_keeps_rows_ids_triggers_and_nullability_and_applies_twice(
    empty_database_url: str, tmp_path: Path
) -> None:
    before = tmp_path / "before"
    before.mkdir()
    for migration in migrate.discover():
        if migration.sort_key <= (0, 1, 80):
            shutil.copy(migration.path, before)
    with db.connect(empty_database_url) as conn:
        migrate.apply_migrations(conn, before)
        conn.execute("INSERT INTO hwe.tenant (tenant_id) VALUES ('old')")
        # What 0.1.90 does: the migration must copy this nullability, not restore NOT NULL.
        conn.execute("ALTER TABLE hwe.event_log ALTER COLUMN workflow_run_id DROP NOT NULL")
        today = _today(conn)
        ids = []
        for days_ago in (40, 40, 3, 0):
            ids += _insert(conn, "old", uuid.uuid4(), today - datetime.timedelta(days=days_ago), 1)
        conn.execute("INSERT INTO hwe.event_log (workflow_run_id, tenant_id, event_type) VALUES (NULL, 'old', 'x')")
        with conn.transaction(force_rollback=True):  # an id handed out, then rolled back
            conn.execute("INSERT INTO hwe.event_log (tenant_id, event_type) VALUES ('old', 'y')")
        rows = conn.execute("SELECT * FROM hwe.event_log ORDER BY event_id").fetchall()
        shutil.copy(MIGRATION, before)

        assert migrate.apply_migrations(conn, before) == ["0.2.00"]
        conn.execute(MIGRATION.read_text())  # applied twice: nothing changes

        assert conn.execute("SELECT * FROM hwe.event_log ORDER BY event_id").fetchall() == rows
        placed = conn.execute("SELECT created_at, tableoid::regclass::text AS part FROM hwe.event_log").fetchall()
        assert all(p["part"] == f"hwe.event_log_p{p['created_at'].astimezone(datetime.UTC):%Y%m%d}" for p in placed)
        not_null = {
            r["attname"]: r["attnotnull"]
            for r in conn.execute(
                "SELECT attname, attnotnull FROM pg_attribute WHERE attrelid = 'hwe.event_log'::regclass"
                " AND attnum > 0 AND NOT attisdropped"
            )
        }
        assert (not_null["workflow_run_id"], not_null["tenant_id"], not_null["created_at"]) == (False, True, True)
        new_id = conn.execute(
            "INSERT INTO hwe.event_log (tenant_id, event_type) VALUES ('old', 'z') RETURNING event_id"
        ).fetchone()["event_id"]
        assert new_id > rows[-1]["event_id"] + 1  # after the rolled-back id too
        triggers = {
            r["tgname"]
            for r in conn.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'hwe.event_log'::regclass AND NOT tgisinternal"
            )
        }
        assert triggers == {"event_log_append_only", "event_log_announce", "event_log_no_truncate"}
        indexes = {
            r["name"]
            for r in conn.execute(
                "SELECT indexrelid::regclass::text AS name FROM pg_index WHERE indrelid = 'hwe.event_log'::regclass"
            )
        }
        assert {"hwe.event_log_pkey", "hwe.event_log_run_idx", "hwe.event_log_tenant_time_idx"} <= indexes
        with pytest.raises(psycopg.Error) as refused:
            conn.execute("DELETE FROM hwe.event_log WHERE event_id = %s", (ids[0],))
        assert refused.value.sqlstate == "HW010"
        migrate.apply_migrations(conn)  # the later ones (0.1.90, if not yet applied) run on the partitioned table
