"""`hwe templates`: the API's verified templates, listed and printed ready to submit."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.cli.conftest import HweRunner
from tests.integration.conftest import Tenant


def test_templates_list_shows_each_template_with_its_example_inputs(tenant: Tenant, hwe: HweRunner) -> None:
    done = hwe(tenant, "templates", "list")

    assert done.returncode == 0, done.stderr
    # Piped, the table is plain: a header, then one row per line with JSON cells written without spaces.
    row = next(line for line in done.stdout.splitlines() if line.startswith("hello_shell "))
    assert row.endswith('{"who":"world"}')
    listed = json.loads(hwe(tenant, "templates", "list", "--json").stdout)
    assert {"name", "description", "inputs"} <= set(listed[0])


def test_a_template_printed_by_get_is_a_file_hwe_submit_accepts(tenant: Tenant, hwe: HweRunner, tmp_path: Path) -> None:
    done = hwe(tenant, "templates", "get", "hello_shell")
    assert done.returncode == 0, done.stderr
    assert "--input who=world" in done.stderr
    (tmp_path / "hello.json").write_text(done.stdout)

    submitted = hwe(tenant, "submit", "hello.json", "--input", "who=me")

    assert submitted.returncode == 0, submitted.stderr
    assert tenant.run(submitted.stdout.strip())["workflow_name"] == "hello_shell"


def test_an_unknown_template_exits_1_with_not_found(tenant: Tenant, hwe: HweRunner) -> None:
    done = hwe(tenant, "templates", "get", "no_such_template")

    assert done.returncode == 1
    assert "not_found" in done.stderr
    assert done.stdout == ""
