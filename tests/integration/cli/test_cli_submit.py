"""`hwe submit`: .py, .json and .yaml definitions, inputs, idempotency, and --wait's exit status."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.cli.conftest import HweRunner
from tests.integration.conftest import Tenant
from tests.workflow_examples import load

EXAMPLES = Path(__file__).resolve().parents[2] / "workflow_examples"


def test_submit_wait_runs_a_python_definition_to_completion(running_tenant: Tenant, hwe: HweRunner) -> None:
    done = hwe(running_tenant, "submit", str(EXAMPLES / "three_shell_steps.py"), "--input", "name=cli", "--wait")
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.splitlines()[0]
    assert "completed" in done.stdout
    assert "3/3 steps" in done.stdout
    run = running_tenant.run(run_id)
    assert run["state"] == "completed"
    assert run["context"]["shouted"]["stdout"] == "HELLO CLI"


def test_submit_wait_exits_non_zero_when_the_run_fails(running_tenant: Tenant, hwe: HweRunner) -> None:
    done = hwe(running_tenant, "submit", str(EXAMPLES / "failing_second_step.py"), "--wait")
    assert done.returncode == 1
    assert "failed" in done.stdout
    assert "break" in done.stdout


def test_submit_without_wait_prints_the_run_id(tenant: Tenant, hwe: HweRunner) -> None:
    done = hwe(tenant, "submit", str(EXAMPLES / "three_shell_steps.py"), "--input", "name=x")
    assert done.returncode == 0, done.stderr
    assert tenant.run(done.stdout.strip())["state"] == "pending"


def test_submit_reads_a_json_definition_and_json_inputs(tenant: Tenant, hwe: HweRunner, tmp_path: Path) -> None:
    path = tmp_path / "flow.json"
    path.write_text(json.dumps(load("three_shell_steps")))
    done = hwe(tenant, "submit", str(path), "--input", "name=json", "--input", "count=3")
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.strip()
    assert tenant.run(run_id)["workflow_name"] == "three_shell_steps"


def test_submit_reads_a_yaml_definition(tenant: Tenant, hwe: HweRunner, tmp_path: Path) -> None:
    from tests.workflow_examples import three_shell_steps

    path = tmp_path / "flow.yaml"
    path.write_text(three_shell_steps.build().to_yaml())
    done = hwe(tenant, "submit", str(path), "--input", "name=yaml")
    assert done.returncode == 0, done.stderr
    assert tenant.run(done.stdout.strip())["progress"]["total"] == 3


def test_submit_reads_a_module_level_workflow(tenant: Tenant, hwe: HweRunner, tmp_path: Path) -> None:
    path = tmp_path / "module_level.py"
    path.write_text(
        "from highway_dsl import WorkflowBuilder\n"
        "print('noise from the user module')\n"
        "builder = WorkflowBuilder('module_level', version='1.0.0')\n"
        "builder.task('only', 'tools.shell.run', args=['true'], result_key='only')\n"
        "workflow = builder.build()\n"
    )
    done = hwe(tenant, "submit", str(path))
    assert done.returncode == 0, done.stderr
    assert tenant.run(done.stdout.strip())["workflow_name"] == "module_level"


def test_submit_with_the_same_idempotency_key_prints_the_same_run(tenant: Tenant, hwe: HweRunner) -> None:
    args = ("submit", str(EXAMPLES / "three_shell_steps.py"), "--input", "name=i", "--idempotency-key", "cli-1")
    assert hwe(tenant, *args).stdout == hwe(tenant, *args).stdout


def test_submit_of_a_python_file_without_a_workflow_exits_2(tenant: Tenant, hwe: HweRunner, tmp_path: Path) -> None:
    path = tmp_path / "empty.py"
    path.write_text("x = 1\n")
    done = hwe(tenant, "submit", str(path))
    assert done.returncode == 2
    assert "neither build() nor a module-level workflow" in done.stderr


def test_submit_of_an_invalid_workflow_shows_the_apis_reason(tenant: Tenant, hwe: HweRunner, tmp_path: Path) -> None:
    definition = load("three_shell_steps")
    definition["tasks"]["combine"]["function"] = "tools.nope.run"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(definition))
    done = hwe(tenant, "submit", str(path))
    assert done.returncode == 1
    assert "invalid_workflow" in done.stderr
    assert "tools.nope.run" in done.stderr


def test_submit_as_a_viewer_is_refused(tenant: Tenant, hwe: HweRunner) -> None:
    assert tenant.new_key is not None
    done = hwe(tenant, "submit", str(EXAMPLES / "three_shell_steps.py"), key=tenant.new_key("viewer"))
    assert done.returncode == 1
    assert "forbidden" in done.stderr


def test_cli_without_a_reachable_api_says_so(tenant: Tenant, hwe: HweRunner) -> None:
    tenant.api_url = "http://127.0.0.1:9"
    done = hwe(tenant, "list")
    assert done.returncode == 1
    assert "cannot reach the API at http://127.0.0.1:9" in done.stderr
