"""Hostile workflows end as a clear 400 at submission or a clear task failure within the engine's limits.

After each one the worker still serves a normal run of its tenant, and a small run of another tenant, submitted
while the hostile one ran, completes (its latency is printed, not asserted tightly). Every hostile action here is
bounded by a limit of the engine; the module's workers are shared, so each test costs a run, not a process start.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from highway_dsl import WorkflowBuilder

from tests.integration.conftest import Service, Tenant, WorkerPool, wait_until
from tests.workflow_examples import load

pytestmark = pytest.mark.timeout(90)

MIB = 1024 * 1024


@dataclass
class Arena:
    """Tenant A, who sends hostile runs, with its worker; tenant B, whose small runs must not suffer."""

    attacker: Tenant
    worker: Service
    bystander: Tenant

    def contained(self, definition: dict[str, Any], inputs: dict[str, Any] | None = None) -> dict[str, Any]:
        """Runs a hostile definition to its failure; returns the failed run after checking everyone else is fine."""
        response = self.attacker.submit(definition, inputs)
        assert response.status_code == 201, response.text
        run_id = response.json()["data"]["workflow_run_id"]
        self.bystander_completes(f"beside {definition['name']}")
        failed = self.attacker.wait_for_state(run_id, timeout=60)
        assert failed["state"] == "failed", failed
        self.worker_serves()
        return failed

    def bystander_completes(self, label: str) -> None:
        started = time.monotonic()
        run_id = self.bystander.submit(load("three_shell_steps"), {"name": "b"}).json()["data"]["workflow_run_id"]
        assert self.bystander.wait_for_state(run_id, timeout=60)["state"] == "completed"
        print(f"tenant B's run {label}: {time.monotonic() - started:.2f} s")  # noqa: T201 - the latency figure

    def worker_serves(self) -> None:
        assert self.worker.process.poll() is None, self.worker.log()[-3000:]
        run_id = self.attacker.submit(load("three_shell_steps"), {"name": "a"}).json()["data"]["workflow_run_id"]
        assert self.attacker.wait_for_state(run_id)["state"] == "completed"

    def peak_rss_bytes(self) -> int:
        status = Path(f"/proc/{self.worker.process.pid}/status").read_text()
        return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1]) * 1024

    def shell_children(self) -> list[int]:
        """The /bin/sh processes the worker runs now (the shell steps in flight)."""
        found = []
        for entry in Path("/proc").iterdir():
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes()
            except (OSError, ValueError):
                continue
            if int(stat.rpartition(")")[2].split()[1]) == self.worker.process.pid and command.startswith(b"/bin/sh"):
                found.append(int(entry.name))
        return found


@pytest.fixture(scope="module")
def arena(
    module_tenants: Callable[[], Tenant], service_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Arena]:
    attacker, bystander = module_tenants(), module_tenants()
    pool = WorkerPool(service_env, tmp_path_factory.mktemp("hostile_workers"))
    # A short lease: a cancelled run is noticed by the next heartbeat, a third of it later.
    worker = pool.start(attacker.queue, lease_seconds=6)
    pool.start(bystander.queue)
    try:
        yield Arena(attacker, worker, bystander)
    finally:
        pool.stop_all()


def task(task_id: str, command: str, **fields: Any) -> dict[str, Any]:
    return {"task_id": task_id, "operator_type": "task", "function": "tools.shell.run", "args": [command], **fields}


def workflow(name: str, *tasks: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "version": "1.0.0",
        "tasks": {t["task_id"]: t for t in tasks},
        "start_task": tasks[0]["task_id"],
    }


def one_task(name: str, function: str, timeout_seconds: float | None = None, **call: Any) -> dict[str, Any]:
    builder = WorkflowBuilder(name, version="1.0.0")
    builder.task("hostile", function, result_key="hostile", **call)
    if timeout_seconds is not None:
        builder.timeout(timedelta(seconds=timeout_seconds), kill_on_timeout=True)
    definition: dict[str, Any] = json.loads(builder.build().to_json())
    return definition


def error_of(run: dict[str, Any]) -> str:
    return str(run["error"]["message"] if isinstance(run["error"], dict) else run["error"])


def refused(arena: Arena, body: dict[str, Any] | bytes) -> dict[str, Any]:
    api = arena.attacker.client
    if isinstance(body, bytes):
        response = api.post("/api/v1/workflows", content=body, headers={"Content-Type": "application/json"})
    else:
        response = api.post("/api/v1/workflows", json=body)
    assert 400 <= response.status_code < 500, response.text
    answer: dict[str, Any] = response.json()
    return answer


# Definitions


def test_a_dependency_cycle_is_refused_naming_the_cycle(arena: Arena) -> None:
    cyclic = workflow("cycle", task("a", "true", dependencies=["c"]), task("b", "true", dependencies=["a"]))
    cyclic["tasks"]["c"] = task("c", "true", dependencies=["b"])
    answer = refused(arena, {"workflow_definition": cyclic})
    assert "cycle" in answer["message"], answer


def test_ten_thousand_tasks_run_at_most_32_commands_at_once_and_cancel_cleanly(arena: Arena) -> None:
    # The largest definition that fits the 1 MiB body: every task is ready at once.
    tasks = [
        {"task_id": f"t{i}", "operator_type": "task", "function": "tools.shell.run", "args": ["sleep 30"]}
        for i in range(10_000)
    ]
    response = arena.attacker.submit(workflow("ten_thousand", *tasks))
    assert response.status_code == 201, response.text[:500]
    run_id = response.json()["data"]["workflow_run_id"]
    running = wait_until(arena.shell_children, 30, "the first commands to start")
    time.sleep(1)  # the scheduler had every chance to start more
    assert 1 <= len(running) <= len(arena.shell_children()) <= 32
    arena.bystander_completes("beside 10,000 tasks")
    assert arena.attacker.client.post(f"/api/v1/workflows/{run_id}/cancel", json={}).status_code == 200
    wait_until(lambda: not arena.shell_children(), 20, "the cancelled run's commands to be killed")
    arena.worker_serves()


def test_nesting_deeper_than_32_levels_is_refused_as_json_and_as_yaml(arena: Arena) -> None:
    deep: dict[str, Any] = task("leaf", "true")
    for level in range(200):
        kind = ("parallel", "foreach", "while")[level % 3]
        inner = {"branches": {"b": [deep]}} if kind == "parallel" else {"loop_body": [deep]}
        deep = {"task_id": f"n{level}", "operator_type": kind, **inner}
    nested = json.dumps({"workflow_definition": workflow("deep", deep)}).encode()
    assert refused(arena, nested)["code"] == "too_deep"
    yaml_text = "name: deep\nversion: 1.0.0\ntasks: " + "{a: " * 200 + "1" + "}" * 200 + "\n"
    assert "nested more than 32 levels" in refused(arena, {"workflow_yaml": yaml_text})["message"]
    parser_bomb = "name: deep\ntasks: " + "[" * 20_000 + "]" * 20_000 + "\n"
    assert "nested more than 32 levels" in refused(arena, {"workflow_yaml": parser_bomb})["message"]


def test_a_body_over_one_mib_is_refused_with_413(arena: Arena) -> None:
    response = arena.attacker.submit(workflow("huge_input", task("a", "true")), {"blob": "x" * (2 * MIB)})
    assert response.status_code == 413, response.text[:300]
    assert response.json()["code"] == "body_too_large"


def test_a_result_over_four_million_characters_of_json_fails_the_task(arena: Arena) -> None:
    # 1,000,000 bytes of \x01 fit the output cap but take six characters each in JSON.
    command = "head -c 1000000 /dev/zero | tr '\\000' '\\001'"
    failed = arena.contained(workflow("huge_result", task("a", command)))
    assert "larger than 4194304 characters of JSON" in error_of(failed)


@pytest.mark.parametrize(
    "body",
    [
        b'{"workflow_definition": {"name": "nul\\u0000name", "version": "1", "tasks": {}}}',
        b'{"workflow_definition": {"name": "w", "version": "1", "tasks": {}}, "inputs": {"v": "a\\u0000b"}}',
    ],
    ids=["in_a_name", "in_a_value"],
)
def test_nul_in_a_submitted_name_or_value_is_refused(arena: Arena, body: bytes) -> None:
    assert refused(arena, body)["code"] == "invalid_json"


def test_a_command_printing_nul_fails_its_task_instead_of_the_engine(arena: Arena) -> None:
    failed = arena.contained(workflow("nul_output", task("a", "printf 'a\\000b'")))
    assert "NUL character" in error_of(failed)


@pytest.mark.parametrize(
    "template",
    ["{{inputs.__class__}}", "{{__import__('os').system('id')}}", "{{inputs.x.__class__.__mro__}}", "{{().__class__}}"],
)
def test_template_injection_fails_the_task_naming_the_template(arena: Arena, template: str) -> None:
    failed = arena.contained(workflow("template", task("a", f"echo {template}")), {"x": "y"})
    assert "template" in error_of(failed)


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').system('id')",
        "().__class__.__bases__",
        "(lambda: 1)()",
        "len('a'*10**9) > 1",
        "len('%999999999d' % 1) > 1",
        "len('a'.ljust(10**9)) > 1",
        "[x for x in range(10**9)]",
        "1" + "+1" * 5000,
    ],
    ids=["import", "bases", "lambda", "repeat", "format", "method", "comprehension", "too_long"],
)
def test_a_condition_escaping_the_evaluator_fails_the_task(arena: Arena, expression: str) -> None:
    builder = WorkflowBuilder("escape", version="1.0.0")
    builder.condition(
        "check",
        condition=expression,
        if_true=lambda branch: branch.task("yes", "tools.shell.run", args=["true"]),
        if_false=lambda branch: branch.task("no", "tools.shell.run", args=["true"]),
    )
    failed = arena.contained(json.loads(builder.build().to_json()))
    assert "cannot evaluate the condition" in error_of(failed)


# Code steps


def test_code_sees_none_of_the_engines_environment(arena: Arena) -> None:
    code = "import os, json; print('__HIGHWAY_RESULT__:' + json.dumps(sorted(os.environ)))"
    submitted = arena.attacker.submit(one_task("env", "tools.code.exec", kwargs={"code": code})).json()["data"]
    completed = arena.attacker.wait_for_state(submitted["workflow_run_id"])
    assert completed["state"] == "completed", completed
    assert set(completed["result"]["output"]) <= {"PATH", "LANG", "LC_CTYPE"}


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("print(open('/proc/self/environ').read())", "reading files outside"),
        ("import os\nprint(open(f'/proc/{os.getppid()}/environ').read())", "reading files outside"),
        ("print(open(SECRETS).read())", "reading files outside"),
        ("print(open('/etc/passwd').read())", "reading files outside"),
        ("import socket\nsocket.create_connection(('127.0.0.1', 9))", "socket"),
        ("import os\nwhile True:\n    os.fork()", "os.fork is not allowed"),
        ("import subprocess\nsubprocess.run(['sh', '-c', ':(){ :|:& };:'])", "subprocess"),
        # bytes(n) is calloc'd, never touched: the address-space limit stops it before the machine's memory grows.
        ("chunks = []\nwhile True:\n    chunks.append(bytes(64 * 1024 * 1024))", "MemoryError"),
        ("while True:\n    pass", "ran longer than 2 seconds"),
        ("import sys\nwhile True:\n    sys.stdout.write('x' * 65536)", "more than 1048576 bytes to stdout"),
    ],
    ids=[
        "self_environ",
        "worker_environ",
        "secrets_file",
        "files",
        "socket",
        "fork",
        "subprocess",
        "memory",
        "cpu",
        "flood",
    ],
)
def test_hostile_code_is_refused_or_killed_with_a_clear_error(
    arena: Arena, secrets_file: Path, code: str, reason: str
) -> None:
    code = code.replace("SECRETS", repr(str(secrets_file)))
    failed = arena.contained(one_task("code", "tools.code.exec", kwargs={"code": code, "timeout": 2}))
    assert reason in error_of(failed)


# Shell steps


def test_a_command_that_never_ends_is_killed_at_its_timeout(arena: Arena) -> None:
    marker = f"hostile{uuid.uuid4().hex[:8]}"
    failed = arena.contained(one_task("forever", "tools.shell.run", 2, args=[f"sleep 600; : {marker}"]))
    assert "timed out after 2 seconds" in error_of(failed)
    assert not [p for p in os.listdir("/proc") if p.isdigit() and _cmdline_holds(p, marker)]


def _cmdline_holds(pid: str, marker: str) -> bool:
    try:
        return marker.encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def test_a_flood_of_output_is_capped_and_the_worker_memory_does_not_follow(arena: Arena) -> None:
    failed = arena.contained(workflow("flood", task("a", "yes | head -c 200M")))
    assert "more than 1048576 bytes to stdout and was killed" in error_of(failed)
    assert arena.peak_rss_bytes() < 200 * MIB
