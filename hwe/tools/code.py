"""`tools.code.exec`: runs a snippet of Python in the sandbox (see `hwe.sandbox`).

The code comes as `args[0]` or `kwargs.code`; `kwargs.timeout` (seconds, default 60) bounds it.
A printed line `__HIGHWAY_RESULT__:<json>` (the last one wins) becomes the task's result, as the
Driver SDK expects; otherwise the result is `{stdout, stderr, returncode}`. An exception, a
non-zero exit or more than `_capture.MAX_OUTPUT_BYTES` written to stdout or stderr fails the task.
"""

from __future__ import annotations

import json
import math
import signal
import tempfile
from typing import Any

import trio

from hwe import errors, sandbox, tools
from hwe.tools import _capture

RESULT_MARKER = "__HIGHWAY_RESULT__:"
DEFAULT_TIMEOUT_SECONDS = 60.0


@tools.register("tools.code.exec")
async def execute(call: tools.ToolCall) -> Any:
    """Runs the code in a sandboxed child interpreter and returns its marked result or its output."""
    code = call.args[0] if call.args else call.kwargs.get("code")
    timeout = call.kwargs.get("timeout", DEFAULT_TIMEOUT_SECONDS)
    if not isinstance(code, str) or len(call.args) > 1 or set(call.kwargs) - {"code", "timeout"}:
        raise errors.PermanentError("tools.code.exec takes the code as args[0] or kwargs.code, and kwargs.timeout")
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise errors.PermanentError("tools.code.exec: timeout must be a positive number of seconds")
    with tempfile.TemporaryDirectory(prefix="hwe-code-") as directory:
        with trio.move_on_after(float(timeout)) as scope:
            completed = await _capture.run_captured(
                sandbox.child_command("exec", math.ceil(timeout)),
                env=sandbox.CHILD_ENVIRONMENT,
                stdin=code.encode(),
                cwd=directory,
            )
    if scope.cancelled_caught:
        raise errors.PermanentError(f"the code ran longer than {timeout:g} seconds")
    if call.output is not None:  # stored with the attempt
        call.output.add("stdout", completed.stdout)
        call.output.add("stderr", completed.stderr)
    return _result(completed)


def _result(completed: _capture.Captured) -> Any:
    if completed.overflowed is not None:
        raise errors.PermanentError(
            f"the code wrote more than {_capture.MAX_OUTPUT_BYTES} bytes to {completed.overflowed} and was killed"
        )
    stdout = completed.stdout.decode("utf-8", errors="replace")
    stderr = completed.stderr.decode("utf-8", errors="replace")
    if completed.returncode != 0:
        reason = stderr.strip().splitlines()[-1:] or [_exit_status(completed.returncode)]
        raise errors.PermanentError(f"the code failed: {reason[0]}")
    marked = [line for line in stdout.splitlines() if line.startswith(RESULT_MARKER)]
    if marked:
        try:
            return json.loads(marked[-1][len(RESULT_MARKER) :])
        except ValueError as err:
            raise errors.PermanentError("the __HIGHWAY_RESULT__ line is not JSON") from err
    return {"stdout": stdout, "stderr": stderr, "returncode": completed.returncode}


def _exit_status(returncode: int) -> str:
    # A limit of the sandbox kills with a signal: SIGXCPU for CPU time, SIGKILL at the output cap or a timeout.
    if returncode < 0:
        return f"killed by {signal.Signals(-returncode).name}"
    return f"exit status {returncode}"
