"""Runs one durable Python function in a fresh interpreter; the child side of `tools.python.run`.

Standard library only, started as `python -I <this file> <archive.zip>`. The archive goes on
sys.path, so the code is imported fresh in every execution. The function is called as
`fn(ctx, *args, **kwargs)`; every ctx call is one JSON line to the parent on the protocol stream
(the original stdout) and one JSON line back on stdin. The user's prints go to stderr.
"""

import importlib
import json
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any


class _Protocol:
    def __init__(self) -> None:
        self._out = os.fdopen(os.dup(1), "w", buffering=1)
        os.dup2(2, 1)  # the user's prints must not corrupt the protocol stream
        sys.stdout = sys.stderr

    def ask(self, message: dict[str, Any]) -> dict[str, Any]:
        self._out.write(json.dumps(message) + "\n")
        line = sys.stdin.readline()
        if not line:
            raise SystemExit(3)  # the parent suspended or cancelled the run
        reply: dict[str, Any] = json.loads(line)
        return reply

    def tell(self, message: dict[str, Any]) -> None:
        self._out.write(json.dumps(message) + "\n")


class DurableContext:
    """The `ctx` a durable function receives; each method is a durable operation of the run."""

    def __init__(self, protocol: _Protocol, workflow_run_id: str) -> None:
        self._protocol = protocol
        self.workflow_run_id = workflow_run_id

    def step(self, name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        reply = self._protocol.ask({"op": "open_step", "name": name})
        if not reply["found"]:
            try:
                value = fn(*args, **kwargs)
            except Exception as err:
                self._protocol.ask({"op": "commit_step", "step": reply["step"], "error": _describe(err)})
                raise
            reply = self._protocol.ask({"op": "commit_step", "step": reply["step"], "value": value})
        if "error" in reply:
            raise RuntimeError(reply["error"]["message"])  # the step's recorded failure
        return reply["value"]

    def sleep(self, name: str, seconds: float) -> None:
        self._protocol.ask({"op": "sleep", "name": name, "seconds": seconds})

    def wait_for_event(self, name: str, event_name: str, timeout: float | None = None) -> Any:
        reply = self._protocol.ask({"op": "wait_for_event", "name": name, "event_name": event_name, "timeout": timeout})
        if reply.get("timed_out"):
            raise TimeoutError(f"no event {event_name!r} arrived within {timeout} seconds")
        return reply["payload"]

    def emit_event(self, event_name: str, payload: dict[str, Any]) -> None:
        self._protocol.ask({"op": "emit_event", "event_name": event_name, "payload": payload})

    def set_variable(self, name: str, value: Any) -> None:
        self._protocol.ask({"op": "set_variable", "name": name, "value": value})

    def get_variable(self, name: str, default: Any = None) -> Any:
        return self._protocol.ask({"op": "get_variable", "name": name, "default": default})["value"]


def _describe(err: BaseException) -> dict[str, str]:
    return {"type": type(err).__name__, "message": str(err)}


def main() -> None:
    protocol = _Protocol()
    request = json.loads(sys.stdin.readline())
    sys.path.insert(0, sys.argv[1])
    module_name, _, function_name = request["function"].rpartition(".")
    try:
        function = getattr(importlib.import_module(module_name), function_name)
        ctx = DurableContext(protocol, request["workflow_run_id"])
        value = function(ctx, *request["args"], **request["kwargs"])
        json.dumps(value)
    except Exception as err:
        traceback.print_exc()
        protocol.tell({"op": "error", **_describe(err)})
        return
    protocol.tell({"op": "result", "value": value})


if __name__ == "__main__":
    main()
