"""Runs untrusted Python in a child interpreter; the child side of `hwe.sandbox`.

Standard library plus highway_dsl. Started as `python -I <this file> <mode> <cpu s> <memory bytes>`
with a minimal environment, in an empty temporary directory, with CPU, memory and file-size limits
set here before the code runs. An audit hook, which code cannot remove, refuses network access,
subprocesses, new native libraries, writes, and reading any file outside the Python installation, the
time zone database and the working directory (so neither /proc, nor /etc, nor a secrets file). Reads the
code on stdin. Mode `dsl`: prints the
workflow the code builds as JSON, or exits 1 with one line saying what is wrong. Mode `exec`: runs
the code; what it prints is its output, and an exception exits 1 with one line on stderr.
"""

import os
import resource
import sys
import sysconfig
from typing import Any

_REFUSED_EVENTS = ("socket.", "subprocess.", "os.system", "os.exec", "os.posix_spawn", "os.fork", "ctypes.", "pty.")


_ROOTS = frozenset({*(sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")), os.getcwd()})
_READABLE = (*(os.path.join(os.path.realpath(root), "") for root in _ROOTS), "/usr/share/zoneinfo/")
_LISTING_EVENTS = ("os.listdir", "os.scandir", "glob.glob")


def _refuse(event: str, args: tuple[Any, ...]) -> None:
    if event.startswith(_REFUSED_EVENTS):
        raise PermissionError(f"{event} is not allowed in a workflow definition")
    if event == "open" and len(args) > 1 and isinstance(args[1], str) and any(m in args[1] for m in "wax+"):
        raise PermissionError("writing files is not allowed in a workflow definition")
    if event == "open" or event in _LISTING_EVENTS:
        _check_readable(args[0] if args else None)


def _check_readable(path: Any) -> None:
    # A descriptor (an int) was opened already, under this check; None is os.listdir's working directory.
    if path is None or isinstance(path, int):
        return
    resolved = os.path.join(os.path.realpath(os.fsdecode(path)), "")
    if not resolved.startswith(_READABLE):
        raise PermissionError("reading files outside the working directory is not allowed in a workflow definition")


def _limit(cpu_seconds: int, memory_bytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))


def _workflow_of(namespace: dict[str, Any]) -> Any:
    from highway_dsl import Workflow, WorkflowBuilder

    candidates = [namespace.get("workflow"), namespace.get("build")]
    candidates += [value for value in namespace.values() if isinstance(value, Workflow | WorkflowBuilder)]
    for candidate in candidates:
        if callable(candidate) and not isinstance(candidate, Workflow | WorkflowBuilder):
            candidate = candidate()
        if isinstance(candidate, WorkflowBuilder):
            candidate = candidate.build()
        if isinstance(candidate, Workflow):
            return candidate
    raise ValueError("the source defines no workflow: set `workflow`, define `build()`, or leave a Workflow")


def main() -> None:
    """Runs the code read on stdin in the mode named by the first argument."""
    mode, cpu_seconds, memory_bytes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    source = sys.stdin.read()
    import highway_dsl  # noqa: F401 - imported before the limits and the hook, like the standard library

    _limit(cpu_seconds, memory_bytes)
    sys.addaudithook(_refuse)
    namespace: dict[str, Any] = {"__name__": "__main__" if mode == "exec" else "workflow_definition"}
    try:
        exec(compile(source, f"<{mode}>", "exec"), namespace)  # noqa: S102 - sandboxed child, see above
        text = _workflow_of(namespace).to_json() if mode == "dsl" else ""
    except BaseException as err:
        sys.stdout.flush()
        sys.stderr.write(f"{type(err).__name__}: {err}"[:2000] + "\n")
        raise SystemExit(1) from None
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
