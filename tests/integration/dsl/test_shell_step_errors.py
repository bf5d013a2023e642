"""A failed shell step's error says why: the exit status and the end of the command's stderr."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import Tenant
from tests.integration.dsl.conftest import finish


def _failing(command: str) -> dict[str, Any]:
    task = {"task_id": "fail", "operator_type": "task", "function": "tools.shell.run", "args": [command]}
    return {"name": "shell_failure", "tasks": {"fail": task}}


def test_a_failed_shell_step_error_ends_with_the_last_lines_of_its_stderr(runner: Tenant) -> None:
    lines = "; ".join(f"echo line{n} >&2" for n in range(1, 9))
    run = finish(runner, _failing(f"{lines}; exit 3"))
    assert run["state"] == "failed"
    message = run["error"]["message"]
    assert message.endswith("command exited with status 3; the end of its stderr:\nline4\nline5\nline6\nline7\nline8")
    assert "line3" not in message


def test_a_failed_shell_step_that_wrote_no_stderr_says_so(runner: Tenant) -> None:
    run = finish(runner, _failing("echo only-stdout; exit 1"))
    assert run["state"] == "failed"
    assert run["error"]["message"].endswith("command exited with status 1 and wrote nothing to stderr")


def test_a_long_stderr_is_cut_to_its_last_500_characters(runner: Tenant) -> None:
    run = finish(runner, _failing("printf 'x%.0s' $(seq 1 3000) >&2; printf 'THE-END' >&2; exit 2"))
    tail = run["error"]["message"].split("the end of its stderr:\n", 1)[1]
    assert tail == "..." + ("x" * 2993 + "THE-END")[-500:]
