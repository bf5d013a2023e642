"""Runs untrusted Python in a sandboxed child interpreter, and reads YAML definitions.

The code runs in a fresh interpreter (`sandbox_child.py`) with a minimal environment (none of the
engine's settings or secrets), in an empty temporary directory, under CPU, memory, file-size and
wall-clock limits, with network, subprocesses, native libraries, file writes and reads outside the Python
installation refused. Either way a definition nested more than MAX_DEPTH levels is refused. Used for
`python_dsl` submissions (the API, from a worker thread) and `tools.code.exec` (the worker, async).
A guard against mistakes and casual misuse, not a boundary for hostile code.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from hwe import errors

_CHILD = Path(__file__).with_name("sandbox_child.py")
MAX_SOURCE_CHARS = 200_000
CHILD_ENVIRONMENT = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
CPU_SECONDS = 10
MEMORY_BYTES = 1024 * 1024 * 1024
WALL_SECONDS = 20.0
# As deep as a JSON body may nest (the API refuses deeper ones): a YAML or Python source must not build deeper.
MAX_DEPTH = 32


def definition_from_yaml(text: Any) -> dict[str, Any]:
    """Reads a highway_dsl definition written as YAML (safe_load: no Python objects) into its JSON form.

    Raises:
        InvalidWorkflow: not a string, not YAML, or not a mapping.
    """
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_SOURCE_CHARS:
        raise errors.InvalidWorkflow(f"workflow_yaml must be YAML text of 1 to {MAX_SOURCE_CHARS} characters")
    try:
        definition = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise errors.InvalidWorkflow(f"workflow_yaml is not valid YAML: {type(err).__name__}") from err
    except RecursionError as err:
        raise errors.InvalidWorkflow(f"workflow_yaml is nested more than {MAX_DEPTH} levels deep") from err
    if not isinstance(definition, dict):
        raise errors.InvalidWorkflow("workflow_yaml must hold a mapping (the workflow)")
    _check_depth(definition, "workflow_yaml")
    # Through JSON, so dates and durations arrive in the form a JSON submission would have.
    return dict(json.loads(json.dumps(definition, default=str)))


def definition_from_python_dsl(source: Any) -> dict[str, Any]:
    """Evaluates highway_dsl Python source in the sandbox and returns the workflow's JSON definition.

    Raises:
        InvalidWorkflow: the source is not a string, fails, times out, or builds no workflow.
    """
    if not isinstance(source, str) or not source.strip() or len(source) > MAX_SOURCE_CHARS:
        raise errors.InvalidWorkflow(f"python_dsl must be Python source of 1 to {MAX_SOURCE_CHARS} characters")
    with tempfile.TemporaryDirectory(prefix="hwe-dsl-") as directory:
        try:
            completed = subprocess.run(
                child_command("dsl", CPU_SECONDS),
                input=source,
                capture_output=True,
                text=True,
                timeout=WALL_SECONDS,
                cwd=directory,
                env=CHILD_ENVIRONMENT,
                check=False,
            )
        except subprocess.TimeoutExpired as err:
            raise errors.InvalidWorkflow(f"python_dsl took longer than {WALL_SECONDS:g} seconds") from err
    if completed.returncode != 0:
        reason = completed.stderr.strip().splitlines()[-1:] or [f"exited with status {completed.returncode}"]
        raise errors.InvalidWorkflow(f"python_dsl failed: {reason[0]}")
    try:
        definition: dict[str, Any] = json.loads(completed.stdout)
    except RecursionError as err:
        raise errors.InvalidWorkflow(f"python_dsl builds a workflow nested more than {MAX_DEPTH} levels deep") from err
    _check_depth(definition, "python_dsl")
    return definition


def _check_depth(definition: dict[str, Any], source: str) -> None:
    # Without recursion: the value is as deep as the source made it.
    level: list[Any] = [definition]
    for _ in range(MAX_DEPTH):
        level = [v for c in level for v in (c.values() if isinstance(c, dict) else c) if isinstance(v, dict | list)]
        if not level:
            return
    raise errors.InvalidWorkflow(f"{source} builds a workflow nested more than {MAX_DEPTH} levels deep")


def child_command(mode: str, cpu_seconds: int) -> list[str]:
    """The command line of a sandboxed child in `mode` (dsl or exec)."""
    return [sys.executable, "-I", str(_CHILD), mode, str(cpu_seconds), str(MEMORY_BYTES)]
