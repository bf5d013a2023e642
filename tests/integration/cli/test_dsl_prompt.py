"""`hwe dsl-prompt`: the reference it prints names every operator this engine runs, and its example works."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from hwe import interpreter, tools
from hwe.interpreter._plan import SUPPORTED_OPERATORS


def _prompt() -> str:
    result = subprocess.run(
        [sys.executable, "-m", "hwe.cli.main", "dsl-prompt"], capture_output=True, text=True, timeout=30, check=True
    )
    return result.stdout


def test_dsl_prompt_names_every_supported_operator_and_builtin_tool() -> None:
    text = _prompt()
    tools.load_builtin_tools()
    for operator in SUPPORTED_OPERATORS:
        assert operator.replace("while", "while_loop") in text or operator in text, operator
    for name in tools.REGISTRY:
        if name != tools.APP_TOOL:
            assert name.rsplit(".", 1)[0] in text, name


def test_the_example_in_the_dsl_prompt_builds_a_workflow_the_engine_accepts() -> None:
    code = re.search(r"```python\n(.*?)```", _prompt(), re.S)
    assert code is not None
    namespace: dict[str, object] = {}
    exec(code.group(1), namespace)
    definition = json.loads(namespace["workflow"].to_json())  # type: ignore[attr-defined]
    tools.load_builtin_tools()
    plan = interpreter.build_plan(definition)
    assert {step.task_id for step in plan.steps} >= {"fetch", "big", "notify"}
