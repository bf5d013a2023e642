"""Evaluates submitted Python DSL source in a child interpreter; the child side of `python_dsl`.

Standard library plus highway_dsl. Started as `python -I <this file>` with a minimal environment,
in an empty temporary directory, with CPU, memory and file-size limits set here before the source
runs. An audit hook, which code cannot remove, refuses network access, subprocesses, new native
libraries and writes. Reads the source on stdin; prints the workflow's JSON on stdout, or exits 1
with one line saying what is wrong.
"""

import resource
import sys
from typing import Any

_REFUSED_EVENTS = ("socket.", "subprocess.", "os.system", "os.exec", "os.posix_spawn", "os.fork", "ctypes.", "pty.")


def _refuse(event: str, args: tuple[Any, ...]) -> None:
    if event.startswith(_REFUSED_EVENTS):
        raise PermissionError(f"{event} is not allowed in a workflow definition")
    if event == "open" and len(args) > 1 and isinstance(args[1], str) and any(m in args[1] for m in "wax+"):
        raise PermissionError("writing files is not allowed in a workflow definition")


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
    source = sys.stdin.read()
    import highway_dsl  # noqa: F401 - imported before the limits and the hook, like the standard library

    _limit(int(sys.argv[1]), int(sys.argv[2]))
    sys.addaudithook(_refuse)
    namespace: dict[str, Any] = {"__name__": "workflow_definition"}
    try:
        exec(compile(source, "<python_dsl>", "exec"), namespace)  # noqa: S102 - sandboxed child, see above
        workflow = _workflow_of(namespace)
        text = workflow.to_json()
    except BaseException as err:
        sys.stderr.write(f"{type(err).__name__}: {err}"[:2000] + "\n")
        raise SystemExit(1) from None
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
