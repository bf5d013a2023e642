"""Runs a tool's child process with its stdout and stderr captured, at most `MAX_OUTPUT_BYTES` of each.

Used by `tools.shell.run` and `tools.code.exec`. A process that writes more than the cap to either stream
is killed with its process group at once, so the worker's memory never follows a flood (`yes`), and the
caller fails the task saying which stream overflowed. Cancelling the caller (a timeout) kills it the same way.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass

import trio

MAX_OUTPUT_BYTES = 1024 * 1024
_CHUNK = 65536


@dataclass
class Captured:
    """What a process left: its exit status and output, and the stream that passed the cap, if one did."""

    returncode: int
    stdout: bytes
    stderr: bytes
    overflowed: str | None = None


async def run_captured(
    command: list[str], *, env: Mapping[str, str], stdin: bytes | None = None, cwd: str | None = None
) -> Captured:
    """Runs `command` in a new session to its end, or until it writes more than the cap, which kills it."""
    process = await trio.lowlevel.open_process(
        command,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(env),
        cwd=cwd,
        start_new_session=True,  # its children die with it (sh -c "sleep 60" leaves a sleep otherwise)
    )
    buffers = {"stdout": bytearray(), "stderr": bytearray()}
    overflowed: list[str] = []
    try:
        async with trio.open_nursery() as nursery:
            if stdin is not None and process.stdin is not None:
                nursery.start_soon(_feed, process.stdin, stdin)
            for name, stream in (("stdout", process.stdout), ("stderr", process.stderr)):
                assert stream is not None
                nursery.start_soon(_drain, stream, buffers[name], name, overflowed, process, nursery.cancel_scope)
        await process.wait()  # under the caller's cancellation (a timeout), unlike the wait below
    finally:
        if process.returncode is None:
            _kill_group(process)
        with trio.CancelScope(shield=True):
            returncode = await process.wait()
    return Captured(returncode, bytes(buffers["stdout"]), bytes(buffers["stderr"]), next(iter(overflowed), None))


async def _feed(stream: trio.abc.SendStream, data: bytes) -> None:
    # A child that exits without reading its stdin is not an error of ours: its exit status says what happened.
    with contextlib.suppress(trio.BrokenResourceError, trio.ClosedResourceError):
        await stream.send_all(data)
    await stream.aclose()


async def _drain(
    stream: trio.abc.ReceiveStream,
    buffer: bytearray,
    name: str,
    overflowed: list[str],
    process: trio.Process,
    scope: trio.CancelScope,
) -> None:
    while chunk := await stream.receive_some(_CHUNK):
        room = MAX_OUTPUT_BYTES - len(buffer)
        buffer += chunk[: max(room, 0)]
        if len(chunk) > room:
            overflowed.append(name)
            _kill_group(process)
            scope.cancel()
            return


def _kill_group(process: trio.Process) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
