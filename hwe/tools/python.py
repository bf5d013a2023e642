"""`tools.python.run`: runs a durable Python function from a tenant's artifact, `fn(ctx, *args, **kwargs)`.

`args[0]` names the function (`package.module.function`), the other args and the kwargs are its
arguments; `kwargs["artifact_id"]` names the zip archive holding the code. The archive is read
from PostgreSQL and the function run in a fresh interpreter at every execution (no cache of user
code), with a minimal environment. Its `ctx` calls come back here and become durable steps of the
run, named under the task's id, so a resumed run replays them instead of repeating them.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import trio

from hwe import durable, errors, tools

_RUNNER = Path(__file__).with_name("_python_runner.py")
_PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TZ")
_MAX_LINE = 16 * 1024 * 1024


@tools.register("tools.python.run")
async def run(call: tools.ToolCall) -> Any:
    """Runs the durable function named by `args[0]` from the artifact `kwargs['artifact_id']`."""
    ctx = call.context
    if ctx is None:
        raise errors.PermanentError("tools.python.run needs a durable context")
    if not call.args or not isinstance(call.args[0], str) or "." not in call.args[0]:
        raise errors.PermanentError("tools.python.run takes the function as 'package.module.function' in args[0]")
    kwargs = dict(call.kwargs)
    artifact_id = kwargs.pop("artifact_id", None)
    if not isinstance(artifact_id, str):
        raise errors.PermanentError("tools.python.run needs kwargs.artifact_id naming the code's artifact")
    try:
        archive = await ctx.read_artifact(artifact_id)
    except errors.ArtifactNotFound as err:
        raise errors.PermanentError(str(err)) from err
    request = {
        "function": call.args[0],
        "args": call.args[1:],
        "kwargs": kwargs,
        "workflow_run_id": call.workflow_run_id,
    }
    with tempfile.TemporaryDirectory(prefix="hwe-python-") as directory:
        archive_path = Path(directory) / "code.zip"
        archive_path.write_bytes(archive)
        return await _run_child(ctx, call, archive_path, request, directory)


async def _run_child(
    ctx: durable.DurableContext, call: tools.ToolCall, archive: Path, request: dict[str, Any], directory: str
) -> Any:
    environment = {name: os.environ[name] for name in _PASSED_THROUGH if name in os.environ}
    environment.update(call.environment)
    stderr_path = Path(directory) / "stderr.log"
    with stderr_path.open("wb") as stderr:  # a file, not a pipe: nothing else to drain while we talk
        process = await trio.lowlevel.open_process(
            [sys.executable, "-I", str(_RUNNER), str(archive)],
            stdin=-1,
            stdout=-1,
            stderr=stderr,
            env=environment,
            cwd=directory,
        )
    assert process.stdin is not None and process.stdout is not None
    try:
        lines = _Lines(process.stdout)
        await process.stdin.send_all((json.dumps(request) + "\n").encode())
        while True:
            message = await lines.next()
            if message is None:
                tail = stderr_path.read_bytes()[-2000:].decode(errors="replace")
                raise errors.PermanentError(f"the durable function's process died: {tail}")
            if message["op"] == "result":
                return message["value"]
            if message["op"] == "error":
                raise errors.PermanentError(f"{message['type']}: {message['message']}")
            reply = await _serve(ctx, call.step_prefix, message)
            await process.stdin.send_all((json.dumps(reply) + "\n").encode())
    finally:
        # A suspend, a cancel or a failure ends the child at once; its progress is in checkpoints.
        if process.returncode is None:
            process.kill()
        with trio.CancelScope(shield=True):
            await process.wait()
        if call.output is not None:  # the function's prints (its stdout is the protocol), stored with the attempt
            call.output.add_file("stderr", stderr_path)


async def _serve(ctx: durable.DurableContext, prefix: str, message: dict[str, Any]) -> dict[str, Any]:
    op = message["op"]
    if op == "open_step":
        step_name, checkpoint = ctx.open_step(prefix + str(message["name"]))
        if checkpoint is None:
            return {"found": False, "step": step_name}
        return {"found": True, **_committed(checkpoint)}
    if op == "commit_step":
        error = message.get("error")
        try:
            value = await ctx.commit_step(
                message["step"], message.get("value"), error=errors.PermanentError(error["message"]) if error else None
            )
        except errors.ToolError as err:
            return {"error": {"message": str(err)}}
        return {"value": value}
    if op == "sleep":
        await ctx.sleep(prefix + str(message["name"]), float(message["seconds"]))
        return {}
    if op == "wait_for_event":
        try:
            payload = await ctx.wait_for_event(prefix + str(message["name"]), message["event_name"], message["timeout"])
        except errors.EventTimeout:
            return {"timed_out": True}
        return {"payload": payload}
    if op == "emit_event":
        await ctx.emit_event(message["event_name"], message["payload"])
        return {}
    if op == "set_variable":
        await ctx.set_variable(message["name"], message["value"])
        return {}
    if op == "get_variable":
        return {"value": ctx.get_variable(message["name"], message.get("default"))}
    raise errors.PermanentError(f"the durable function sent an unknown request {op!r}")


def _committed(checkpoint: Any) -> dict[str, Any]:
    if checkpoint.status == "error":
        return {"error": {"message": checkpoint.state.get("message", "step failed")}}
    return {"value": checkpoint.state}


class _Lines:
    """Reads JSON lines from the child's protocol stream."""

    def __init__(self, stream: trio.abc.ReceiveStream) -> None:
        self._stream = stream
        self._buffer = bytearray()

    async def next(self) -> dict[str, Any] | None:
        while b"\n" not in self._buffer:
            chunk = await self._stream.receive_some(65536)
            if not chunk:
                return None
            self._buffer.extend(chunk)
            if len(self._buffer) > _MAX_LINE:
                raise errors.PermanentError("the durable function sent a message larger than 16 MiB")
        line, _, rest = bytes(self._buffer).partition(b"\n")
        self._buffer = bytearray(rest)
        message: dict[str, Any] = json.loads(line)
        return message
