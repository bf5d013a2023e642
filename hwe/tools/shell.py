"""`tools.shell.run`: runs one shell command and returns `{stdout, stderr, returncode}`.

The command runs under /bin/sh with a minimal environment (never the engine's own, which holds
database URLs and secrets). A non-zero exit fails the task with a PermanentError, and so does writing more
than `_capture.MAX_OUTPUT_BYTES` to stdout or stderr (the command is killed then). What the command wrote
also goes to the call's output capture, which stores it (capped) with the attempt.
"""

from __future__ import annotations

import os
from typing import Any

from hwe import errors, tools
from hwe.tools import _capture

# Only these variables of the worker reach a command; everything else (database URL, secrets) stays out.
_PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR")
# A failed command's error ends with the tail of its stderr: enough to see why, short enough to read.
_ERROR_TAIL_LINES = 5
_ERROR_TAIL_CHARS = 500


@tools.register("tools.shell.run")
async def run(call: tools.ToolCall) -> dict[str, Any]:
    """Runs `args[0]` with /bin/sh; fails when it exits non-zero."""
    if len(call.args) != 1 or not isinstance(call.args[0], str) or call.kwargs:
        raise errors.PermanentError("tools.shell.run takes exactly one argument: the command string")
    environment = {name: os.environ[name] for name in _PASSED_THROUGH if name in os.environ}
    environment.update(call.environment)
    completed = await _capture.run_captured(["/bin/sh", "-c", call.args[0]], env=environment)
    if call.output is not None:  # stored with the attempt, so a failed command's output can be read
        call.output.add("stdout", completed.stdout)
        call.output.add("stderr", completed.stderr)
        if completed.returncode != 0:
            call.output.log(f"command exited with status {completed.returncode}")
    if completed.overflowed is not None:
        raise errors.PermanentError(
            f"command wrote more than {_capture.MAX_OUTPUT_BYTES} bytes to {completed.overflowed} and was killed"
        )
    result: dict[str, Any] = {
        "stdout": completed.stdout.decode("utf-8", errors="replace"),
        "stderr": completed.stderr.decode("utf-8", errors="replace"),
        "returncode": completed.returncode,
    }
    if completed.returncode != 0:
        raise errors.PermanentError(f"command exited with status {completed.returncode}{_tail(result['stderr'])}")
    return result


def _tail(stderr: str) -> str:
    # The step's own output, which its result already holds; never the worker's environment.
    lines = stderr.rstrip().splitlines()[-_ERROR_TAIL_LINES:]
    if not lines:
        return " and wrote nothing to stderr"
    tail = "\n".join(lines)
    if len(tail) > _ERROR_TAIL_CHARS:
        tail = "..." + tail[-_ERROR_TAIL_CHARS:]
    return f"; the end of its stderr:\n{tail}"
