"""Turns Python DSL source (`python_dsl`) into a workflow definition, in a sandboxed child process.

The source runs in a fresh interpreter (`_dsl_sandbox_child.py`) with a minimal environment (none
of the engine's settings or secrets), in an empty temporary directory, under CPU, memory, file-size
and wall-clock limits, with network, subprocesses and file writes refused. Called by the API
through `definition_from_python_dsl`; a sync function, run from a worker thread.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from hwe import errors

_CHILD = Path(__file__).with_name("_dsl_sandbox_child.py")
MAX_SOURCE_CHARS = 200_000
CPU_SECONDS = 10
MEMORY_BYTES = 1024 * 1024 * 1024
WALL_SECONDS = 20.0


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
                [sys.executable, "-I", str(_CHILD), str(CPU_SECONDS), str(MEMORY_BYTES)],
                input=source,
                capture_output=True,
                text=True,
                timeout=WALL_SECONDS,
                cwd=directory,
                env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
                check=False,
            )
        except subprocess.TimeoutExpired as err:
            raise errors.InvalidWorkflow(f"python_dsl took longer than {WALL_SECONDS:g} seconds") from err
    if completed.returncode != 0:
        reason = completed.stderr.strip().splitlines()[-1:] or [f"exited with status {completed.returncode}"]
        raise errors.InvalidWorkflow(f"python_dsl failed: {reason[0]}")
    definition: dict[str, Any] = json.loads(completed.stdout)
    return definition
