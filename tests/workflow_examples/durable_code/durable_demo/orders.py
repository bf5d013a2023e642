"""An order process written as a durable function: steps, a sleep, a variable and an event wait.

Every entry into the function is logged to `entries.log` and every side effect to its own file,
so a test sees how often the function was re-entered and that its steps never ran twice.
"""

from pathlib import Path


def _append(path: Path, line: str) -> int:
    with path.open("a") as handle:
        handle.write(line + "\n")
    return len(path.read_text().splitlines())


def process(ctx, order_id, directory):
    base = Path(directory)
    _append(base / "entries.log", "entered")
    reserved = ctx.step("reserve", _append, base / "reserve.log", order_id)
    ctx.sleep("cool_off", 1)
    ctx.set_variable("status", "reserved")
    confirmation = ctx.wait_for_event("confirm", f"confirm_{order_id}", 30)
    charged = ctx.step("charge", _append, base / "charge.log", confirmation["by"])
    ctx.emit_event(f"charged_{order_id}", {"order": order_id})
    return {"order": order_id, "reserved": reserved, "charged": charged, "status": ctx.get_variable("status")}


def version(ctx):
    return ctx.step("version", lambda: "v1")
