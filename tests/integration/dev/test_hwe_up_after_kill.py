"""`hwe up` killed -9: its services exit on their own soon after, while the embedded PostgreSQL keeps running with
the dead stack's pid in its list of users; the next `hwe up` joins it and must still stop it at Ctrl-C, as the last
user it really is."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.integration.conftest import free_port, wait_until
from tests.integration.dev import alive

STOP_BOUND_SECONDS = 30
# A service told to stop exits in about a second; this bound fails only when nothing tells it.
ORPHAN_EXIT_BOUND_SECONDS = 30


def _start(state: Path, log_path: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HWE_") and k != "KUBECONFIG"}
    env.update({"HWE_STATE_DIR": str(state), "HWE_API_PORT": str(free_port()), "HWE_WORKERS": "1"})
    with log_path.open("wb") as log:
        up = subprocess.Popen(
            [sys.executable, "-m", "hwe.cli.main", "up"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_until(
            lambda: "worker-1 ready" in log_path.read_text() or up.poll() is not None, 90, "the stack to be ready"
        )
        assert up.poll() is None, log_path.read_text()
    except BaseException:
        up.send_signal(signal.SIGINT)  # a stack that never got ready stops as Ctrl-C stops it, database included
        up.wait(timeout=60)
        raise
    return up


def _postmaster_pid(state: Path) -> int:
    return int((state / "pgdata" / "postmaster.pid").read_text().splitlines()[0])


def _children(pid: int) -> set[int]:
    """The pids of every process `pid` started, whichever of its threads started it."""
    return {
        int(child) for task in Path(f"/proc/{pid}/task").iterdir() for child in (task / "children").read_text().split()
    }


def _kill_orphans(state: Path) -> None:
    # Services that outlive their stack (a failed run of this test) are this test's processes, stopped by their pids.
    for pid_file in (state / "run").glob("*.pid"):
        pid = int(pid_file.read_text())
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def test_ctrl_c_stops_the_embedded_database_even_after_an_earlier_stack_was_killed(tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = _start(state, tmp_path / "up-1.log")
    postmaster = _postmaster_pid(state)
    first.kill()
    first.wait(timeout=10)
    _kill_orphans(state)
    assert alive(postmaster)  # nobody stopped it: the next stack joins this server

    second = _start(state, tmp_path / "up-2.log")
    try:
        assert _postmaster_pid(state) == postmaster
        second.send_signal(signal.SIGINT)
        assert second.wait(timeout=60) == 0, (tmp_path / "up-2.log").read_text()
        deadline = time.monotonic() + STOP_BOUND_SECONDS
        while alive(postmaster) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(postmaster), "PostgreSQL still runs after Ctrl-C of the stack that was its last user"
    finally:
        if second.poll() is None:
            second.kill()
            second.wait(timeout=10)
        _kill_orphans(state)
        if alive(postmaster):
            os.kill(postmaster, signal.SIGTERM)  # do not leave the server of a failed run behind


def test_every_service_exits_soon_after_its_stack_is_killed(tmp_path: Path) -> None:
    state = tmp_path / "state"
    up = _start(state, tmp_path / "up.log")
    postmaster = _postmaster_pid(state)
    try:
        services = {int(pid_file.read_text()) for pid_file in (state / "run").glob("*.pid")}
        assert len(services) == 5  # api, scheduler, timeout, audit, worker-1
        assert services <= _children(up.pid)
        up.kill()
        up.wait(timeout=10)
        deadline = time.monotonic() + ORPHAN_EXIT_BOUND_SECONDS
        while any(alive(pid) for pid in services) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in services if alive(pid)], "services still run after their stack was killed -9"
        assert alive(postmaster)  # the database is left for the next stack to join, as the test above relies on
    finally:
        if up.poll() is None:
            up.kill()
            up.wait(timeout=10)
        _kill_orphans(state)
        if alive(postmaster):
            os.kill(postmaster, signal.SIGTERM)
