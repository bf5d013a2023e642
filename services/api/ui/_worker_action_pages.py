"""The console's commands to a worker: drain, pause and resume, for operators and admins.

As a run's actions do (`_run_action_pages`): a confirmation page (GET /ui/workers/{id}/confirm?command=...) says what
will happen; its form posts with the session's CSRF token and an idempotency key made when it rendered, and runs
what POST /api/v1/workers/{id}/<command> runs (`workers.command_worker`, the same audit record and idempotency
name), then answers 303 to the queue page with a flash message. A viewer's request is a 403 page.
"""

from __future__ import annotations

import urllib.parse
import uuid
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hwe import errors, workers
from services.api import _changes, _state
from services.api.ui import _render, _run_action_pages
from services.api.ui._render import form_field

MAX_FIELD_CHARS = 4096


@dataclass(frozen=True)
class Command:
    """What the confirmation page says of a command, and what the flash says once it is sent."""

    title: str
    summary: str
    done: str


COMMANDS = {
    "drain": Command(
        "Drain the worker",
        "The worker finishes the runs it holds, claims no new ones, and exits. Draining cannot be undone.",
        "is draining",
    ),
    "pause": Command(
        "Pause the worker", "The worker finishes the runs it holds and claims no new ones until resumed.", "is paused"
    ),
    "resume": Command("Resume the worker", "The worker claims runs again.", "claims runs again"),
}


@_render.page
async def confirm_page(request: Request) -> Response:
    """What the command will do to this worker, and the form that sends it."""
    principal = await _render.page_principal(request, "operator")
    worker_id = _state.path_uuid(request, "worker_id")
    name = _command_name(request.query_params.get("command", ""))
    worker = await _state.get(request).call(workers.get_worker, principal.queue_name, worker_id)
    return _render.render(
        request,
        "pages/confirm_worker.html",
        principal=principal,
        title=COMMANDS[name].title,
        worker=worker,
        command=name,
        spec=COMMANDS[name],
        idempotency_key=str(uuid.uuid4()),
    )


@_render.page
async def send_command(request: Request) -> Response:
    """Sends the confirmed command through the REST route's engine function, then 303 to the queue page."""
    form = await request.form(max_files=0, max_fields=8, max_part_size=MAX_FIELD_CHARS)
    principal = await _render.page_principal(request, "operator", csrf_token=form_field(form, "csrf_token"))
    worker_id = _state.path_uuid(request, "worker_id")
    name = _command_name(form_field(form, "command"))
    reason = workers.check_reason(form_field(form, "reason") or None)
    # Hashed as the REST route hashes its request, so the form and the API share one idempotency operation.
    body = {"worker_id": str(worker_id), **({"reason": reason} if reason else {})}
    key = form_field(form, "idempotency_key")
    idempotency = _state.idempotency_of(f"{name}_worker", key, body, _run_action_pages.FORM_KEY)
    worker = await _changes.change(
        request,
        principal,
        workers.command_worker,
        principal.tenant_id,
        principal.queue_name,
        worker_id,
        name,
        reason,
        idempotency,
    )
    flash = f"Worker {worker['name']} {COMMANDS[name].done}."
    return RedirectResponse("/ui/queue?" + urllib.parse.urlencode({"flash": flash}), status_code=303)


def _command_name(raw: str) -> str:
    if raw not in COMMANDS:
        raise errors.InvalidRequest("unknown_command", f"choose one of {', '.join(COMMANDS)}")
    return raw


routes = [
    Route("/ui/workers/{worker_id}/confirm", confirm_page, methods=["GET"], include_in_schema=False),
    Route("/ui/workers/{worker_id}/commands", send_command, methods=["POST"], include_in_schema=False),
]
