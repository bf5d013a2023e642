"""How fast a run resumes after its worker is killed with -9: median and worst of N kills.

Starts a private embedded PostgreSQL, the timeout service and two workers. Each round submits a
run whose slow step stamps its start (epoch seconds) and its worker's pid, kills that worker with
SIGKILL, and measures the time until the step starts again on the other worker. Expected bound:
the lease plus the timeout service's scan interval. Run: `.venv/bin/python bench/recovery.py`.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from hwe import db, embedded, migrate, runs, tenants, tools


def _definition(directory: Path) -> dict[str, object]:
    command = f"echo $(date +%s.%N) $PPID >> {directory}/starts.log; sleep 1"
    return {
        "name": "recovery_probe",
        "tasks": {
            "slow": {"task_id": "slow", "operator_type": "task", "function": "tools.shell.run", "args": [command]}
        },
    }


def _starts(path: Path) -> list[tuple[float, int]]:
    if not path.exists():
        return []
    return [(float(t), int(p)) for t, p in (line.split() for line in path.read_text().splitlines())]


def _wait_for_starts(path: Path, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while len(_starts(path)) < count:
        if time.monotonic() > deadline:
            raise SystemExit("timed out")
        time.sleep(0.01)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--lease", type=float, default=2.0)
    parser.add_argument("--scan", type=float, default=0.2)
    args = parser.parse_args()
    tools.load_builtin_tools()
    root = Path(tempfile.mkdtemp(prefix="hwe-recovery-"))
    server = embedded.start_server(root / "pgdata", delete_on_exit=True)
    url = embedded.server_url(server)
    with db.connect(url) as conn:
        migrate.apply_migrations(conn)
        tenants.create_tenant(conn, "bench", queue_name="bench")
    secrets_file = root / "secrets.json"
    secrets_file.write_text(json.dumps({"api_key_pepper": uuid.uuid4().hex}))
    env = {
        **os.environ,
        "HWE_DATABASE_URL": url,
        "HWE_SECRETS_FILE": str(secrets_file),
        "HWE_WORKER_QUEUE": "bench",
        "HWE_WORKER_LEASE_SECONDS": str(args.lease),
        "HWE_TIMEOUT_SCAN_SECONDS": str(args.scan),
        "HWE_LOG_LEVEL": "WARNING",
        "HWE_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8,::1/128",  # HTTP tasks reach only this machine
    }
    log = (root / "services.log").open("wb")
    services = {
        "timeout": subprocess.Popen([sys.executable, "-m", "services.timeout"], env=env, stdout=log, stderr=log)
    }
    workers = [
        subprocess.Popen([sys.executable, "-m", "services.worker"], env=env, stdout=log, stderr=log) for _ in range(2)
    ]
    time.sleep(1.0)
    principal = tenants.Principal("bench", "operator", "bench")
    recoveries = []
    try:
        for round_number in range(args.kills):
            directory = root / f"round-{round_number}"
            directory.mkdir()
            starts = directory / "starts.log"
            with db.connect(url) as conn:
                runs.submit_run(
                    conn,
                    principal,
                    definition=_definition(directory),
                    inputs={},
                    idempotency_key=None,
                    request_hash="",
                    max_attempts=10,
                )
            _wait_for_starts(starts, 1, 30)
            victim = _starts(starts)[0][1]
            os.kill(victim, signal.SIGKILL)
            killed_at = time.time()
            _wait_for_starts(starts, 2, 30)
            recoveries.append(_starts(starts)[1][0] - killed_at)
            workers = [w for w in workers if w.pid != victim]
            workers.append(subprocess.Popen([sys.executable, "-m", "services.worker"], env=env, stdout=log, stderr=log))
            time.sleep(0.5)
    finally:
        for process in [*workers, *services.values()]:
            process.send_signal(signal.SIGTERM)
        for process in [*workers, *services.values()]:
            process.wait(timeout=30)
    print(f"kills: {len(recoveries)}  lease: {args.lease}s  timeout scan: {args.scan}s")
    print(
        f"recovery median: {statistics.median(recoveries):.2f}s  worst: {max(recoveries):.2f}s  "
        f"best: {min(recoveries):.2f}s  (bound: lease + 1 s = {args.lease + 1:.1f}s)"
    )


if __name__ == "__main__":
    main()
