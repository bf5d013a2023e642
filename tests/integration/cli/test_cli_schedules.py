"""`hwe schedules`: cron schedules created from a definition file, read, changed, paused and deleted."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.cli.conftest import HweRunner
from tests.integration.conftest import Tenant
from tests.workflow_examples import load


def _create(tenant: Tenant, hwe: HweRunner, tmp_path: Path, *options: str) -> str:
    (tmp_path / "nightly.json").write_text(json.dumps(load("three_shell_steps")))
    done = hwe(tenant, "schedules", "create", "nightly.json", "--name", "nightly", "--cron", "0 3 * * *", *options)
    assert done.returncode == 0, done.stderr
    assert "created schedule nightly; next fire at" in done.stderr
    return done.stdout.strip()


def test_a_schedule_created_from_a_file_is_listed_with_its_cron(tenant: Tenant, hwe: HweRunner, tmp_path: Path) -> None:
    schedule_id = _create(tenant, hwe, tmp_path, "--timezone", "Europe/Paris", "--input", "name=n")

    listed = hwe(tenant, "schedules", "list")
    found = json.loads(hwe(tenant, "schedules", "get", schedule_id, "--json").stdout)

    assert listed.returncode == 0, listed.stderr
    assert schedule_id in listed.stdout
    row = next(line for line in listed.stdout.splitlines() if line.startswith(schedule_id))
    assert "Europe/Paris" in row
    assert "active" in row
    assert found["cron"] == "0 3 * * *"
    assert found["inputs"] == {"name": "n"}
    assert found["is_paused"] is False


def test_pause_resume_and_update_change_the_schedule(tenant: Tenant, hwe: HweRunner, tmp_path: Path) -> None:
    schedule_id = _create(tenant, hwe, tmp_path)

    paused = hwe(tenant, "schedules", "pause", schedule_id)
    assert paused.returncode == 0, paused.stderr
    assert "paused" in paused.stdout
    resumed = json.loads(hwe(tenant, "schedules", "resume", schedule_id, "--json").stdout)
    updated = hwe(tenant, "schedules", "update", schedule_id, "--cron", "*/5 * * * *", "--json")

    assert resumed["is_paused"] is False
    assert updated.returncode == 0, updated.stderr
    assert json.loads(updated.stdout)["cron"] == "*/5 * * * *"


def test_a_deleted_schedule_is_not_found_afterwards(tenant: Tenant, hwe: HweRunner, tmp_path: Path) -> None:
    schedule_id = _create(tenant, hwe, tmp_path)

    deleted = hwe(tenant, "schedules", "delete", schedule_id)
    again = hwe(tenant, "schedules", "get", schedule_id)

    assert deleted.returncode == 0, deleted.stderr
    assert f"deleted schedule {schedule_id}" in deleted.stdout
    assert again.returncode == 1
    assert "not_found" in again.stderr


def test_options_that_need_a_cron_exit_2_without_one(tenant: Tenant, hwe: HweRunner, tmp_path: Path) -> None:
    (tmp_path / "nightly.json").write_text(json.dumps(load("three_shell_steps")))

    done = hwe(tenant, "schedules", "create", "nightly.json", "--catchup", "all")
    nothing = hwe(tenant, "schedules", "update", "6f1c6f3a-0000-4000-8000-000000000000")

    assert done.returncode == 2
    assert "--catchup goes with --cron" in done.stderr
    assert nothing.returncode == 2
    assert "nothing to change" in nothing.stderr
