"""Runs `hwe` as a real subprocess against the API of this xdist worker."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.conftest import Tenant

HweRunner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def hwe(tmp_path: Path) -> HweRunner:
    """Runs `hwe ARGS` as `tenant` (its admin key unless `key` is given) and returns the finished process."""

    def run(
        tenant: Tenant, *args: str, key: str | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HWE_")}
        env.update(
            {
                "HWE_API_URL": tenant.api_url,
                "HWE_STATE_DIR": str(tmp_path / "state"),
                "COLUMNS": "200",
                # Never the real user's profile: `hwe login` and `hwe up` write there.
                "XDG_CONFIG_HOME": str(tmp_path / "config"),
            }
        )
        if key != "":  # an empty key: no HWE_API_KEY, so the CLI falls back to the dev key file
            env["HWE_API_KEY"] = key or tenant.key
        return subprocess.run(
            [sys.executable, "-m", "hwe.cli.main", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=tmp_path,
        )

    return run


TerminalRunner = Callable[..., tuple[int, str]]
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


def run_in_terminal(
    argv: list[str], env: dict[str, str], cwd: Path, timeout: float = 60, on_output: Callable[[str], bool] | None = None
) -> tuple[int, str]:
    """Runs `argv` with stdout and stderr on a new pseudo-terminal; returns its exit status and its output without
    escape codes. `on_output(text so far, wrapped lines joined)` returning True sends SIGINT (a Ctrl-C), once."""
    primary, secondary = pty.openpty()
    process = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=secondary, stderr=secondary)
    os.close(secondary)
    chunks: list[bytes] = []
    interrupted = False
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([primary], [], [], 0.1)
            if ready:
                try:
                    data = os.read(primary, 65536)
                except OSError:  # EIO: every writer closed the terminal
                    break
                if not data:
                    break
                chunks.append(data)
            # Lines the terminal wrapped are joined again, so a match does not depend on where they broke.
            shown = _ANSI.sub("", b"".join(chunks).decode(errors="replace")).replace("\n", "")
            if on_output is not None and not interrupted and on_output(shown):
                interrupted = True
                process.send_signal(signal.SIGINT)
        try:
            status = process.wait(timeout=max(deadline - time.monotonic(), 1))
        except subprocess.TimeoutExpired:
            pytest.fail(
                f"{argv[3:]} still ran after {timeout} s; it showed: {b''.join(chunks).decode(errors='replace')}"
            )
    finally:
        os.close(primary)
        if process.poll() is None:
            process.kill()
            process.wait()
    return status, _ANSI.sub("", b"".join(chunks).decode(errors="replace"))


@pytest.fixture
def hwe_tty(tmp_path: Path) -> TerminalRunner:
    """Runs `hwe ARGS` as `tenant` on a terminal `columns` wide; returns (exit status, what it showed)."""

    def run(
        tenant: Tenant, *args: str, columns: int = 80, on_output: Callable[[str], bool] | None = None
    ) -> tuple[int, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HWE_")}
        env.update(
            {
                "HWE_API_URL": tenant.api_url,
                "HWE_API_KEY": tenant.key,
                "HWE_STATE_DIR": str(tmp_path / "state"),
                "XDG_CONFIG_HOME": str(tmp_path / "config"),
                "COLUMNS": str(columns),
                "TERM": "xterm-256color",
            }
        )
        return run_in_terminal([sys.executable, "-m", "hwe.cli.main", *args], env, tmp_path, on_output=on_output)

    return run
