"""`hwe up`: the development stack in one command, supervised until Ctrl-C or SIGTERM.

Starts (or reuses) the database, migrates, writes the dev API key and the database URL under the
state directory, then runs the API, the scheduler, the timeout and audit services, `HWE_WORKERS` workers and,
when `KUBECONFIG` is set, the Workflow operator as child processes, restarting any that die; each child gets
SIGTERM from the kernel if this process dies, even by SIGKILL (hwe.cli._child). Each child's pid is in
`<state_dir>/run/<service>.pid`; with `HWE_WORKER_METRICS_PORT` set, worker n serves its metrics on that
port + n - 1, so the workers never share one. On a stop signal every child gets SIGTERM
(workers drain), then the embedded database stops.

One stack per state directory: `<state_dir>/run/up.lock` is held (flock) for the stack's life, so a second
`hwe up` there names the first (pid, API URL) and exits before touching anything. The API's URL goes to
`<state_dir>/api-url` and, with the dev key, to the user's `dev` profile, so the CLI finds it from any directory.
"""

from __future__ import annotations

import contextlib
import fcntl
import ipaddress
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import trio

from hwe import config, errors, lifecycle
from hwe.cli import _database, _profile, migrate_command

logger = logging.getLogger(__name__)

RESTART_DELAY_SECONDS = 1.0
STOP_GRACE_SECONDS = 40.0
READY_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class Child:
    """One supervised service process."""

    name: str
    module: str
    ready_file: Path | None
    health_variable: str = ""  # the setting through which the child learns its ready file
    environment: tuple[tuple[str, str], ...] = ()  # settings of this child only, over the stack's


def run(settings: config.Settings) -> None:
    """Runs the development stack until a stop signal.

    Raises:
        ConfigError: another `hwe up` runs from the same state directory.
    """
    state_dir = settings.state_dir.resolve()
    (state_dir / "run").mkdir(parents=True, exist_ok=True)
    api_url = _client_url(settings)
    with _hold_stack_lock(state_dir, api_url):
        _remove_stale_files(state_dir / "run", "*.health", "*.pid")
        try:
            _run_locked(settings, state_dir, api_url)
        finally:
            _remove_stale_files(state_dir / "run", "*.health")


def _run_locked(settings: config.Settings, state_dir: Path, api_url: str) -> None:
    url, _server = _database.resolve(settings)
    migrate_command.migrate_and_bootstrap(settings, url)
    (state_dir / "database-url").write_text(url + "\n")
    (state_dir / "api-url").write_text(api_url + "\n")
    _write_dev_profile(settings, state_dir, api_url)
    run_dir = state_dir / "run"
    children = [
        Child("api", "services.api", None),
        Child("scheduler", "services.scheduler", run_dir / "scheduler.health", "HWE_SCHEDULER_HEALTH_FILE"),
        Child("timeout", "services.timeout", run_dir / "timeout.health", "HWE_TIMEOUT_HEALTH_FILE"),
        Child("audit", "services.audit", run_dir / "audit.health", "HWE_AUDIT_HEALTH_FILE"),
    ] + [
        Child(
            f"worker-{n}",
            "services.worker",
            run_dir / f"worker-{n}.health",
            "HWE_WORKER_HEALTH_FILE",
            _worker_metrics_port(n),
        )
        for n in range(1, settings.workers + 1)
    ]
    environment = {
        **os.environ,
        "HWE_DATABASE_URL": url,
        "HWE_STATE_DIR": str(state_dir),
        "HWE_SECRETS_FILE": str((settings.secrets_file or state_dir / "dev-secrets.json").resolve()),
        # Development webhooks and HTTP tasks may also reach this machine; by default only public addresses are allowed.
        "HWE_OUTBOUND_ALLOWED_NETWORKS": settings.outbound_allowed_networks or "public,127.0.0.0/8,::1",
        # The development stack serves plain HTTP, where a browser would drop a Secure session cookie.
        "HWE_API_SECURE_COOKIES": os.environ.get("HWE_API_SECURE_COOKIES", "false"),
    }
    if os.environ.get("KUBECONFIG"):
        logger.info("KUBECONFIG is set: starting the Workflow operator against that cluster")
        children.append(Child("operator", "services.operator", run_dir / "operator.health", "HWE_OPERATOR_HEALTH_FILE"))
        environment.setdefault("HWE_OPERATOR_API_URL", f"http://{settings.api_host}:{settings.api_port}")
        dev_key = state_dir / "dev-api-key"
        if dev_key.is_file():
            environment.setdefault("HWE_OPERATOR_API_KEY", dev_key.read_text().strip())
    else:
        logger.info("KUBECONFIG is not set: the Workflow operator is not started")
    trio.run(_supervise, settings, children, environment, state_dir)
    logger.info("stack stopped")


def _client_url(settings: config.Settings) -> str:
    # A server bound to every address is reached on loopback from this machine.
    host = "127.0.0.1" if _unspecified(settings.api_host) else settings.api_host
    return f"http://[{host}]:{settings.api_port}" if ":" in host else f"http://{host}:{settings.api_port}"


def _unspecified(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return not host


@contextlib.contextmanager
def _hold_stack_lock(state_dir: Path, api_url: str) -> Iterator[None]:
    # The kernel drops the lock when this process dies, however it dies: no stale lock to clean up.
    with (state_dir / "run" / "up.lock").open("a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "pid unknown"
            raise errors.ConfigError(
                f"a stack already runs from {state_dir} ({holder}); use it, or stop it (Ctrl-C in its terminal)"
                " before starting another"
            ) from None
        lock.truncate(0)
        lock.write(f"pid {os.getpid()}, API {api_url}\n")
        lock.flush()
        yield


def _remove_stale_files(run_dir: Path, *patterns: str) -> None:
    for pattern in patterns:
        for path in run_dir.glob(pattern):
            path.unlink(missing_ok=True)


def _write_dev_profile(settings: config.Settings, state_dir: Path, api_url: str) -> None:
    key_file = state_dir / "dev-api-key"
    if settings.is_production or not key_file.is_file():
        return
    try:
        path = _profile.save_profile(_profile.DEV_PROFILE, api_url, api_key_file=key_file)
    except (OSError, errors.ConfigError) as err:
        logger.warning("could not write the dev profile (%s); the CLI still finds the stack from this directory", err)
        return
    logger.info("wrote the profile %s for this stack to %s and made it current", _profile.DEV_PROFILE, path)


def _worker_metrics_port(n: int) -> tuple[tuple[str, str], ...]:
    """Worker n serves its metrics on HWE_WORKER_METRICS_PORT + n - 1, so N workers never share a port."""
    base = os.environ.get("HWE_WORKER_METRICS_PORT", "")
    if not base.isdigit() or int(base) == 0:
        return ()
    return (("HWE_WORKER_METRICS_PORT", str(int(base) + n - 1)),)


async def _supervise(
    settings: config.Settings, children: list[Child], environment: dict[str, str], state_dir: Path
) -> None:
    stop = trio.Event()
    async with trio.open_nursery() as signals_nursery:
        signals_nursery.start_soon(lifecycle.watch_stop_signals, stop)
        async with trio.open_nursery() as nursery:
            for child in children:
                nursery.start_soon(_keep_running, child, environment, state_dir, stop)
            nursery.start_soon(_report_ready, settings, children)
        signals_nursery.cancel_scope.cancel()


async def _keep_running(child: Child, environment: dict[str, str], state_dir: Path, stop: trio.Event) -> None:
    pid_file = state_dir / "run" / f"{child.name}.pid"
    child_env = dict(environment) | dict(child.environment)
    if child.ready_file is not None:
        child.ready_file.unlink(missing_ok=True)
        child_env[child.health_variable] = str(child.ready_file)
    while not stop.is_set():
        # Started here, on trio's thread (this process's main thread), not in a worker thread as
        # trio.lowlevel.open_process would: the child's parent-death signal (hwe.cli._child) fires when the thread
        # that forked it exits, and this one lives as long as the stack.
        process = subprocess.Popen(
            [sys.executable, "-m", "hwe.cli._child", str(os.getpid()), child.module], env=child_env
        )
        pid_file.write_text(f"{process.pid}\n")
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_terminate_on_stop, process, stop)
            returncode = await _wait(process)
            nursery.cancel_scope.cancel()
        pid_file.unlink(missing_ok=True)
        if not stop.is_set():
            logger.warning("%s exited with status %s; restarting", child.name, returncode)
            await trio.sleep(RESTART_DELAY_SECONDS)


async def _wait(process: subprocess.Popen[bytes]) -> int:
    """Waits for the child's exit without a thread: its pidfd becomes readable when it exits."""
    pidfd = os.pidfd_open(process.pid)
    try:
        await trio.lowlevel.wait_readable(pidfd)
    finally:
        os.close(pidfd)
    return process.wait()


async def _terminate_on_stop(process: subprocess.Popen[bytes], stop: trio.Event) -> None:
    # Cancelled by the caller as soon as the child exits.
    await stop.wait()
    process.send_signal(signal.SIGTERM)
    await trio.sleep(STOP_GRACE_SECONDS)
    process.kill()


async def _report_ready(settings: config.Settings, children: list[Child]) -> None:
    url = f"http://{settings.api_host}:{settings.api_port}"
    with trio.move_on_after(READY_TIMEOUT_SECONDS) as waited:
        await _wait_http_ready(f"{url}/readyz")
        logger.info("api ready at %s", url)
        for child in children:
            if child.ready_file is not None:
                while not child.ready_file.exists():
                    await trio.sleep(0.1)
                logger.info("%s ready", child.name)
    if waited.cancelled_caught:
        logger.error("the stack was not ready after %s seconds; see the log lines above", READY_TIMEOUT_SECONDS)


async def _wait_http_ready(url: str) -> None:
    async with httpx.AsyncClient(timeout=2.0) as client:
        while True:
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await trio.sleep(0.2)
