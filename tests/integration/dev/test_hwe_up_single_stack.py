"""`hwe up`: one stack per state directory, no stale health files, and a dev profile the CLI finds from anywhere."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.conftest import free_port, wait_until
from tests.integration.dev import alive


@dataclass
class Stack:
    """A running `hwe up` and the environment it was started with."""

    process: subprocess.Popen[bytes]
    env: dict[str, str]
    state: Path
    url: str
    log_path: Path

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)


StartStack = Callable[[], Stack]


@pytest.fixture
def start_stack(empty_database_url: str, tmp_path: Path) -> Iterator[StartStack]:
    """Starts `hwe up` (one worker, a database of its own, a home of the test's own) and waits until it is ready."""
    stacks: list[Stack] = []

    def start() -> Stack:
        port = free_port()
        state = tmp_path / "clone" / ".hwe"
        env = {k: v for k, v in os.environ.items() if not k.startswith("HWE_") and k not in ("KUBECONFIG",)}
        env.update(
            {
                "HWE_STATE_DIR": str(state),
                "HWE_API_PORT": str(port),
                "HWE_WORKERS": "1",
                "HWE_DATABASE_URL": empty_database_url,
                "HOME": str(tmp_path / "home"),
                "XDG_CONFIG_HOME": str(tmp_path / "config"),
            }
        )
        log_path = tmp_path / f"up-{len(stacks)}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "hwe.cli.main", "up"], env=env, stdout=log, stderr=subprocess.STDOUT
            )
        stack = Stack(process, env, state, f"http://127.0.0.1:{port}", log_path)
        stacks.append(stack)
        wait_until(
            lambda: "worker-1 ready" in log_path.read_text() or process.poll() is not None, 90, "the stack to be ready"
        )
        assert process.poll() is None, log_path.read_text()
        return stack

    yield start
    for stack in stacks:
        stack.stop()


def test_a_second_hwe_up_in_the_same_state_directory_names_the_running_stack_and_exits(
    start_stack: StartStack,
) -> None:
    first = start_stack()
    pid_files = sorted((first.state / "run").glob("*.pid"))
    assert pid_files

    second = subprocess.run(
        [sys.executable, "-m", "hwe.cli.main", "up"],
        env={**first.env, "HWE_API_PORT": str(free_port())},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert second.returncode != 0
    assert f"pid {first.process.pid}, API {first.url}" in second.stderr
    assert sorted((first.state / "run").glob("*.pid")) == pid_files
    assert all(alive(int(path.read_text())) for path in pid_files)


def test_hwe_up_removes_stale_health_files_when_it_starts_and_when_it_stops(
    start_stack: StartStack,
    tmp_path: Path,
) -> None:
    run_dir = tmp_path / "clone" / ".hwe" / "run"
    run_dir.mkdir(parents=True)
    (run_dir / "worker-7.health").touch()  # left by an earlier stack with more workers, killed hard
    (run_dir / "worker-7.pid").write_text("999999\n")

    stack = start_stack()
    left_at_start = sorted(path.name for path in run_dir.iterdir())
    assert stack.stop() == 0, stack.log_path.read_text()

    assert "worker-7.health" not in left_at_start and "worker-7.pid" not in left_at_start
    assert "worker-1.health" in left_at_start
    assert not list(run_dir.glob("*.health"))


def test_hwe_up_writes_a_dev_profile_that_hwe_list_uses_from_any_directory(
    start_stack: StartStack,
    tmp_path: Path,
) -> None:
    stack = start_stack()
    elsewhere = tmp_path / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    env = {k: v for k, v in stack.env.items() if not k.startswith("HWE_")}

    listed = subprocess.run(
        [sys.executable, "-m", "hwe.cli.main", "list"],
        env=env,
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split() == ["RUN", "WORKFLOW", "STATE", "PROGRESS", "CURRENT_STEP", "CREATED"]
    profile_file = tmp_path / "config" / "highway" / "config.json"
    assert stat.S_IMODE(profile_file.stat().st_mode) == 0o600
    saved = json.loads(profile_file.read_text())
    assert saved["current"] == "dev"
    assert saved["profiles"]["dev"] == {"api_url": stack.url, "api_key_file": str(stack.state / "dev-api-key")}
    assert (stack.state / "api-url").read_text().strip() == stack.url
