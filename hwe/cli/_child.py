"""How `hwe up` starts a service: `python -m hwe.cli._child PARENT_PID MODULE` runs MODULE as `python -m MODULE`
would, after asking Linux to send it SIGTERM when its parent dies.

So a stack killed -9 leaves no service behind (each stops as on Ctrl-C), and the next `hwe up` finds the API's port
free. The signal is armed here, after exec, rather than between fork and exec: a `preexec_fn` is unsafe in a
process with threads. Linux sends it when the parent *thread* that forked this process exits, so `hwe up` starts
its services from its main thread, which lives as long as the stack.
"""

from __future__ import annotations

import ctypes
import os
import runpy
import signal
import sys

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def main() -> None:
    """Arms the parent-death signal, checks that the parent still runs, then runs the service."""
    parent, module = int(sys.argv[1]), sys.argv[2]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"prctl(PR_SET_PDEATHSIG): {os.strerror(errno)}")
    if os.getppid() != parent:
        # The parent died before the signal was armed, so none will come: stop as that signal would have made us.
        raise SystemExit(f"{module}: hwe up (pid {parent}) is gone; not starting")
    sys.argv = [module]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
