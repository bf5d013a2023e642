"""`hwe migrate`: ordered, recorded, idempotent and safe to run from two processes at once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hwe import db, migrate


def _hwe(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hwe.cli.main", *args], env=env, capture_output=True, text=True, timeout=60
    )


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HWE_")}
    env.update({"HWE_STATE_DIR": str(tmp_path / "state"), **extra})
    return env


def test_migrate_twice_applies_each_file_once(empty_database_url: str) -> None:
    with db.connect(empty_database_url) as conn:
        first = migrate.apply_migrations(conn)
        second = migrate.apply_migrations(conn)
        recorded = [row["version"] for row in conn.execute("SELECT version FROM hwe.schema_migrations")]
    assert first == [m.version for m in migrate.discover()]
    assert second == []
    assert sorted(recorded) == sorted(first)


def test_two_processes_migrating_at_once_both_succeed_and_apply_each_file_once(
    empty_database_url: str, tmp_path: Path
) -> None:
    env = _env(tmp_path, HWE_DATABASE_URL=empty_database_url)
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "hwe.cli.main", "migrate"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=60)[0] for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    with db.connect(empty_database_url) as conn:
        rows = conn.execute("SELECT version, count(*) AS n FROM hwe.schema_migrations GROUP BY version").fetchall()
    assert {row["version"] for row in rows} == {m.version for m in migrate.discover()}
    assert all(row["n"] == 1 for row in rows)


def test_migrate_in_development_writes_a_working_dev_key(empty_database_url: str, tmp_path: Path) -> None:
    result = _hwe("migrate", env=_env(tmp_path, HWE_DATABASE_URL=empty_database_url))
    assert result.returncode == 0, result.stderr
    key = (tmp_path / "state" / "dev-api-key").read_text().strip()
    assert key.startswith("hw_")


def test_production_mode_refuses_to_start_without_a_database_url(tmp_path: Path) -> None:
    result = _hwe("migrate", env=_env(tmp_path, HWE_ENV="production"))
    assert result.returncode == 2
    assert "HWE_DATABASE_URL" in result.stderr
    assert not (tmp_path / "state").exists()


def test_migration_files_sort_by_numeric_version(tmp_path: Path) -> None:
    for name in ("highway_0.10.00_later.sql", "highway_0.9.00_earlier.sql", "highway_0.1.00_first.sql"):
        (tmp_path / name).write_text("SELECT 1")
    assert [m.version for m in migrate.discover(tmp_path)] == ["0.1.00", "0.9.00", "0.10.00"]


def test_badly_named_migration_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "add_stuff.sql").write_text("SELECT 1")
    with pytest.raises(ValueError, match="highway_<version>_<description>"):
        migrate.discover(tmp_path)
