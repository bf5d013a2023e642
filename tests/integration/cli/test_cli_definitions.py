"""`hwe definitions`: definitions stored by content, listed, and printed back by name, version or hash."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.cli.conftest import HweRunner
from tests.integration.conftest import Tenant
from tests.workflow_examples import load


def test_storing_the_same_file_twice_answers_the_same_version(tenant: Tenant, hwe: HweRunner, tmp_path: Path) -> None:
    (tmp_path / "steps.json").write_text(json.dumps(load("three_shell_steps")))

    first = hwe(tenant, "definitions", "store", "steps.json")
    second = hwe(tenant, "definitions", "store", "steps.json")

    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "three_shell_steps 1"
    assert "stored three_shell_steps as version 1" in first.stderr
    assert second.stdout.strip() == "three_shell_steps 1"
    assert "already stored" in second.stderr


def test_get_prints_the_latest_version_and_list_shows_every_one(tenant: Tenant, hwe: HweRunner, tmp_path: Path) -> None:
    definition = load("three_shell_steps")
    (tmp_path / "v1.json").write_text(json.dumps(definition))
    (tmp_path / "v2.json").write_text(json.dumps({**definition, "description": "second"}))
    hwe(tenant, "definitions", "store", "v1.json")
    hwe(tenant, "definitions", "store", "v2.json")

    latest = hwe(tenant, "definitions", "get", "three_shell_steps")
    listed = json.loads(hwe(tenant, "definitions", "list", "--json").stdout)
    by_hash = hwe(tenant, "definitions", "get", "--hash", listed[-1]["definition_hash"], "--json")

    assert latest.returncode == 0, latest.stderr
    assert json.loads(latest.stdout)["description"] == "second"
    assert sorted(item["version"] for item in listed) == [1, 2]
    assert json.loads(by_hash.stdout)["version"] == listed[-1]["version"]


def test_an_unknown_definition_exits_1_and_a_bad_request_exits_2(tenant: Tenant, hwe: HweRunner) -> None:
    unknown = hwe(tenant, "definitions", "get", "never_stored")
    missing_version = hwe(tenant, "definitions", "get", "never_stored", "3")
    both = hwe(tenant, "definitions", "get", "x", "--hash", "0" * 64)

    assert unknown.returncode == 1
    assert "no stored definition named 'never_stored'" in unknown.stderr
    assert missing_version.returncode == 1
    assert "not_found" in missing_version.stderr
    assert both.returncode == 2
