"""`make audit` (scripts/audit.py) on a machine whose vulnerability service cannot be reached: it says the audit
could not run and exits 0, rather than failing the build or claiming that nothing is vulnerable."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "audit.py"


def test_audit_says_it_could_not_run_and_exits_0_when_its_service_is_unreachable() -> None:
    # A port bound but never listened on refuses connections for as long as the socket is held.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        proxy = f"http://127.0.0.1:{closed.getsockname()[1]}"
        env = {k: v for k, v in os.environ.items() if k.lower() not in ("no_proxy", "all_proxy")}
        env.update({"HTTPS_PROXY": proxy, "https_proxy": proxy})  # every request to the service meets a closed port
        done = subprocess.run([sys.executable, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout
    assert lines[0].startswith("audit: could not run: its vulnerability service cannot be reached ("), lines[0]
    assert "nothing was audited" in lines[0]
    assert "No known vulnerabilities found" not in done.stdout + done.stderr
