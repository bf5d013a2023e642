"""The faults, on a timeline: each fires in a thread of its own and records whether the stack recovered from it.

`recovered` means, per kind: a killed service runs again under a new pid (and the API answers its readiness
probe) within 90 s; a stopped worker runs again after SIGCONT (or was replaced); after a database restart or a
connection storm a new one-step run completes within 240 s (faults overlap: an API kill or the other restart may
fall in that time); the webhook receiver listens again. Whether the work itself survived is for
`_checks` to judge afterwards.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from chaos import _receiver, _stack, _workload

WORKER_KILL_EVERY_SECONDS = 2.0
KINDS = (
    "worker_kill",
    "worker_stop",
    "timeout_kill",
    "scheduler_kill",
    "audit_kill",
    "api_kill",
    "operator_kill",
    "pg_fast_restart",
    "pg_immediate_restart",
    "connection_storm",
    "receiver_down",
)


@dataclass
class Faults:
    """Injects every fault kind over `seconds`; `counts` and `recovered` are read after `join`."""

    stack: _stack.Stack
    receiver: _receiver.Receiver
    workload: _workload.Workload
    seconds: float
    rng: random.Random
    counts: Counter[str] = field(default_factory=Counter)
    recovered: Counter[str] = field(default_factory=Counter)
    slowest: dict[str, float] = field(default_factory=dict)  # seconds from injection to recovery, worst per kind
    notes: list[str] = field(default_factory=list)
    _threads: list[threading.Thread] = field(default_factory=list)
    _stopped: set[int] = field(default_factory=set)  # pids under SIGSTOP: not picked for a kill
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _started: float = 0.0

    def timeline(self) -> list[tuple[float, str]]:
        """(seconds from start, fault kind), sorted; every kind at least once, the one-off kinds exactly once."""
        d = self.seconds
        events = [(t, "worker_kill") for t in _every(5.0, d - 3.0, WORKER_KILL_EVERY_SECONDS)]
        # Kinds that repeat in a long run: once per ~2 minutes each, staggered.
        for kind, first in (
            ("worker_stop", 0.12),
            ("timeout_kill", 0.2),
            ("scheduler_kill", 0.28),
            ("audit_kill", 0.38),
            ("api_kill", 0.45),
            ("connection_storm", 0.52),
            ("operator_kill", 0.6),
        ):
            events += [(t, kind) for t in _every(first * min(d, 120.0), d - 5.0, 120.0)]
        events += [(0.33 * d, "pg_fast_restart"), (0.72 * d, "pg_immediate_restart"), (0.22 * d, "receiver_down")]
        return sorted(events)

    def receiver_down_seconds(self) -> float:
        """A minute in the full run; scaled down in short ones (15 % of the run)."""
        return min(60.0, 0.15 * self.seconds)

    def run(self) -> None:
        """Fires the timeline from now; returns when the last fault has fired (they may still be recovering)."""
        started = self._started = time.monotonic()
        for at, kind in self.timeline():
            pause = started + at - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            thread = threading.Thread(target=self._fire, args=(kind,), name=kind, daemon=True)
            thread.start()
            self._threads.append(thread)

    def join(self) -> None:
        """Waits for every fault's recovery check."""
        for thread in self._threads:
            thread.join()

    def _fire(self, kind: str) -> None:
        actions: dict[str, Callable[[], bool]] = {
            "worker_kill": self._kill_worker,
            "worker_stop": self._stop_worker,
            "timeout_kill": lambda: self._kill_service("timeout"),
            "scheduler_kill": lambda: self._kill_service("scheduler"),
            "audit_kill": lambda: self._kill_service("audit"),
            "api_kill": lambda: self._kill_service("api") and self.stack.api_ready(),
            "operator_kill": lambda: self._kill_service("operator"),
            "pg_fast_restart": lambda: self._restart_database("fast"),
            "pg_immediate_restart": lambda: self._restart_database("immediate"),
            "connection_storm": self._storm,
            "receiver_down": self._receiver_down,
        }
        started = time.monotonic()
        try:
            ok = actions[kind]()
        except Exception as err:  # a fault that could not be injected is reported, never hidden
            with self._lock:
                self.notes.append(f"{kind}: {type(err).__name__}: {err}")
            ok = False
        with self._lock:
            self.counts[kind] += 1
            self.recovered[kind] += int(ok)
            if not ok:
                self.notes.append(f"{kind} at {started - self._started:.0f} s: not recovered")
            if ok:
                self.slowest[kind] = max(self.slowest.get(kind, 0.0), time.monotonic() - started)

    def _pick_worker(self) -> tuple[str, int] | None:
        with self._lock:
            stopped = set(self._stopped)
        candidates = [
            (name, pid)
            for name in self.stack.worker_names
            if (pid := self.stack.pid(name)) is not None and pid not in stopped and _stack.alive(pid)
        ]
        return self.rng.choice(candidates) if candidates else None

    def _kill_worker(self) -> bool:
        picked = self._pick_worker()
        if picked is None:
            raise RuntimeError("no running worker to kill")
        name, pid = picked
        os.kill(pid, signal.SIGKILL)
        return self.stack.wait_replaced(name, pid)

    def _stop_worker(self) -> bool:
        picked = self._pick_worker()
        if picked is None:
            raise RuntimeError("no running worker to stop")
        name, pid = picked
        with self._lock:
            self._stopped.add(pid)
        os.kill(pid, signal.SIGSTOP)
        try:
            time.sleep(self.stack.lease_seconds + 3.0)  # past its lease: the timeout service hands its runs on
        finally:
            os.kill(pid, signal.SIGCONT)
            with self._lock:
                self._stopped.discard(pid)
        time.sleep(2.0)
        return _stack.alive(pid) or self.stack.wait_replaced(name, pid)

    def _kill_service(self, name: str) -> bool:
        pid = self.stack.pid(name)
        if pid is None or not _stack.alive(pid):
            raise RuntimeError(f"{name} is not running")
        os.kill(pid, signal.SIGKILL)
        return self.stack.wait_replaced(name, pid)

    def _restart_database(self, mode: str) -> bool:
        self.stack.restart_database(mode)
        return self.stack.database_ready() and self.workload.canary()

    def _storm(self) -> bool:
        terminated = _stack.fetch(self.stack.database_url, "terminate_engine_backends")[0]["terminated"]
        with self._lock:
            self.notes.append(f"connection_storm: terminated {terminated} engine connections")
        return self.workload.canary()

    def _receiver_down(self) -> bool:
        self.receiver.down()
        time.sleep(self.receiver_down_seconds())
        self.receiver.up()
        return True


def _every(first: float, last: float, step: float) -> list[float]:
    times, t = [], first
    while t <= last:
        times.append(t)
        t += step
    return times or [max(0.0, min(first, last))]
