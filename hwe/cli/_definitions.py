"""Reads a workflow definition file for `hwe submit`: JSON, YAML (highway_dsl) or Python.

A JSON file holds the definition itself or a whole `POST /api/v1/workflows` body (`workflow_definition`
and `inputs`). A Python file is the user's own code on their own machine: it runs in a separate Python
process (`python -c`) that imports it and prints the definition's JSON. It defines `build()`, returning
a highway_dsl Workflow (or WorkflowBuilder), or a module-level `workflow` that is either.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

MARKER = "--- hwe workflow json ---"
BODY_FIELDS = ("workflow_definition", "inputs")
PYTHON_TIMEOUT_SECONDS = 60
# Runs in the child process; the marker separates the JSON from anything the module printed.
_LOADER = f"""
import importlib.util, os, sys
path = os.path.abspath(sys.argv[1])
sys.path.insert(0, os.path.dirname(path))
spec = importlib.util.spec_from_file_location("hwe_submitted_workflow", path)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
if callable(getattr(module, "build", None)):
    workflow = module.build()
elif hasattr(module, "workflow"):
    workflow = module.workflow
else:
    sys.exit(f"{{path}} defines neither build() nor a module-level workflow")
if not hasattr(workflow, "to_json") and callable(getattr(workflow, "build", None)):
    workflow = workflow.build()  # a WorkflowBuilder: the Workflow it builds
if not callable(getattr(workflow, "to_json", None)):
    kind = type(workflow).__name__
    sys.exit(f"{{path}}: the workflow is a {{kind}}, not a highway_dsl Workflow or WorkflowBuilder")
sys.stdout.write("\\n{MARKER}\\n" + workflow.to_json())
"""


def load(path: Path) -> dict[str, Any]:
    """Returns the definition's wire JSON (as the API takes it); of a body file, its `workflow_definition`.

    Raises:
        ValueError: the file cannot be read as a workflow definition; the message says why.
    """
    return load_submission(path)[0]


def load_submission(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Returns the definition's wire JSON and the inputs the file holds (only a body file holds any).

    Raises:
        ValueError: the file cannot be read as a workflow definition; the message says why.
    """
    if not path.is_file():
        raise ValueError(f"{path} is not a file")
    suffix = path.suffix.lower()
    if suffix == ".json":
        return _from_json(_object(path.read_text(), path), path)
    if suffix in (".yaml", ".yml"):
        return _from_yaml(path), {}
    if suffix == ".py":
        return _from_python(path), {}
    raise ValueError(f"{path}: use a .json, .yaml, .yml or .py file")


def _from_json(value: dict[str, Any], path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    if "workflow_definition" not in value:
        return value, {}  # the definition itself: the API names any field at fault
    unknown = sorted(set(value) - set(BODY_FIELDS))
    if unknown:
        raise ValueError(f"{path} holds a POST body; it may have only {' and '.join(BODY_FIELDS)}, not {unknown[0]!r}")
    definition, inputs = value["workflow_definition"], value.get("inputs", {})
    if not isinstance(definition, dict) or not isinstance(inputs, dict):
        raise ValueError(f"{path}: 'workflow_definition' and 'inputs' must be JSON objects")
    return definition, inputs


def _from_yaml(path: Path) -> dict[str, Any]:
    import yaml
    from highway_dsl import Workflow  # imported here: pydantic models take a moment to build

    try:
        value = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise ValueError(f"{path} is not valid YAML: {err}") from err
    if not isinstance(value, dict):
        raise ValueError(f"{path} must hold a mapping: the workflow, with 'name' and 'tasks'")
    tasks = value.get("tasks", {})
    if not isinstance(tasks, dict):
        raise ValueError(f"{path}: tasks must be a mapping of task id to task, not a {type(tasks).__name__}")
    for task_id, task in tasks.items():
        if not isinstance(task, dict):
            raise ValueError(f"{path}: task {task_id!r} must be a mapping of its fields")
    try:
        workflow = Workflow.model_validate(value)
    except Exception as err:  # highway_dsl raises pydantic errors, and others from its own validators
        raise ValueError(f"{path} is not a valid highway_dsl workflow: {err}") from err
    return _object(workflow.to_json(), path)


def _from_python(path: Path) -> dict[str, Any]:
    try:
        done = subprocess.run(
            [sys.executable, "-c", _LOADER, str(path)],
            capture_output=True,
            text=True,
            timeout=PYTHON_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as err:
        raise ValueError(f"{path} did not build a workflow within {PYTHON_TIMEOUT_SECONDS} seconds") from err
    if done.returncode != 0 or MARKER not in done.stdout:
        last_lines = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise ValueError(f"{path} did not build a workflow:\n{last_lines}")
    return _object(done.stdout.rsplit(MARKER, 1)[1], path)


def _object(text: str, path: Path) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as err:
        raise ValueError(f"{path} is not valid JSON: {err}") from err
    if not isinstance(value, dict):
        raise ValueError(f"{path} must hold a JSON object")
    return value


def parse_inputs(pairs: list[str]) -> dict[str, Any]:
    """`["name=dev", "count=3"]` → `{"name": "dev", "count": 3}`: a value that is valid JSON is read as
    JSON, anything else as a string.

    Raises:
        ValueError: a pair has no `=`.
    """
    inputs: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--input {pair!r}: write KEY=VALUE")
        try:
            inputs[key] = json.loads(raw)
        except ValueError:
            inputs[key] = raw
    return inputs
