"""`hwe submit FILE` with the files a newcomer writes: a whole POST body as JSON, a WorkflowBuilder, YAML
with tasks as a list, a misspelt field; each works or says plainly what is wrong."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.cli.conftest import HweRunner
from tests.integration.conftest import Tenant
from tests.workflow_examples import load

BUILDER_MODULE = (
    "from highway_dsl import WorkflowBuilder\n"
    "workflow = WorkflowBuilder('builder_only', version='1.0.0')\n"
    "workflow.task('only', 'tools.shell.run', args=['true'], result_key='only')\n"
)


def test_a_json_file_holding_the_whole_post_body_submits_its_definition_and_inputs(
    running_tenant: Tenant, hwe: HweRunner, tmp_path: Path
) -> None:
    path = tmp_path / "body.json"
    path.write_text(json.dumps({"workflow_definition": load("three_shell_steps"), "inputs": {"name": "body"}}))
    done = hwe(running_tenant, "submit", str(path), "--wait")
    assert done.returncode == 0, done.stderr
    run = running_tenant.run(done.stdout.splitlines()[0])
    assert run["workflow_name"] == "three_shell_steps"
    assert run["context"]["shouted"]["stdout"] == "HELLO BODY"


def test_an_input_given_on_the_command_line_overrides_the_body_files_input(
    running_tenant: Tenant, hwe: HweRunner, tmp_path: Path
) -> None:
    path = tmp_path / "body.json"
    path.write_text(json.dumps({"workflow_definition": load("three_shell_steps"), "inputs": {"name": "file"}}))
    done = hwe(running_tenant, "submit", str(path), "--input", "name=flag", "--wait")
    assert done.returncode == 0, done.stderr
    run = running_tenant.run(done.stdout.splitlines()[0])
    assert run["context"]["shouted"]["stdout"] == "HELLO FLAG"


def test_a_body_file_with_another_field_is_refused_saying_what_it_may_hold(
    tenant: Tenant, hwe: HweRunner, tmp_path: Path
) -> None:
    path = tmp_path / "body.json"
    path.write_text(json.dumps({"workflow_definition": load("three_shell_steps"), "input": {"name": "x"}}))
    done = hwe(tenant, "submit", str(path))
    assert done.returncode == 2
    assert "may have only workflow_definition and inputs, not 'input'" in done.stderr


def test_a_module_level_workflow_builder_is_built_and_submitted(tenant: Tenant, hwe: HweRunner, tmp_path: Path) -> None:
    path = tmp_path / "builder.py"
    path.write_text(BUILDER_MODULE)
    done = hwe(tenant, "submit", str(path))
    assert done.returncode == 0, done.stderr
    assert tenant.run(done.stdout.strip())["workflow_name"] == "builder_only"


def test_a_module_level_workflow_of_another_type_is_refused_plainly(
    tenant: Tenant, hwe: HweRunner, tmp_path: Path
) -> None:
    path = tmp_path / "not_a_workflow.py"
    path.write_text("workflow = {'name': 'dict'}\n")
    done = hwe(tenant, "submit", str(path))
    assert done.returncode == 2
    assert "the workflow is a dict, not a highway_dsl Workflow or WorkflowBuilder" in done.stderr
    assert "AttributeError" not in done.stderr


def test_yaml_with_tasks_as_a_list_says_tasks_is_a_mapping(tenant: Tenant, hwe: HweRunner, tmp_path: Path) -> None:
    path = tmp_path / "listed.yaml"
    path.write_text("name: listed\ntasks:\n  - task_id: a\n    function: tools.shell.run\n    args: [true]\n")
    done = hwe(tenant, "submit", str(path))
    assert done.returncode == 2
    assert "tasks must be a mapping of task id to task, not a list" in done.stderr
    assert "attribute" not in done.stderr


def test_a_misspelt_field_in_a_json_definition_is_refused_naming_it_and_the_field_meant(
    tenant: Tenant, hwe: HweRunner, tmp_path: Path
) -> None:
    definition = load("three_shell_steps")
    task = definition["tasks"]["combine"]
    task["agrs"] = task.pop("args")
    path = tmp_path / "typo.json"
    path.write_text(json.dumps(definition))
    done = hwe(tenant, "submit", str(path))
    assert done.returncode == 1
    assert "unknown field 'tasks.combine.agrs'; did you mean 'args'?" in done.stderr
