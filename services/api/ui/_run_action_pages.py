"""The console's actions on a run: cancel, retry, send a signal, post an event, approve or reject an approval.

Each action is a confirmation page (GET /ui/runs/{id}/confirm?action=...) saying what will happen, whose form
POSTs to /ui/runs/{id}/actions with the session's CSRF token and an idempotency key made when the page
rendered, so a double submit acts once. The POST runs the engine function the REST route runs, in the same
`tenants.once` and audit record (`_changes.change`) under the REST operation's idempotency name, then answers
303 back to the run with a flash message. Operators and admins only: a viewer's request is a 403 page.
Forms are sent as multipart/form-data, the one non-JSON body the API's request guard lets through.
"""

from __future__ import annotations

import functools
import json
import logging
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hwe import approvals, db, errors, runs, signals, tenants
from services.api import _changes, _state
from services.api.ui import _render

# Where a console form carries its idempotency key (made when the confirmation page rendered).
FORM_KEY = "the form's idempotency key"

logger = logging.getLogger(__name__)

MAX_FIELD_CHARS = 65_536


@dataclass(frozen=True)
class Action:
    """What the confirmation page says and asks for; `fields` are (name, label, kind: required|json|text)."""

    title: str
    summary: str
    fields: tuple[tuple[str, str, str], ...] = ()


ACTIONS = {
    "cancel": Action("Cancel the run", "The run stops where it is and ends as cancelled. You can retry it later."),
    "retry": Action(
        "Retry the run",
        "A new run of the same definition starts, resuming at the step that failed; this run stays as it is.",
    ),
    "signal": Action(
        "Send a signal",
        "The run's wait for signal:<name> takes it; it is kept until a wait takes it.",
        (("signal_name", "Signal name", "required"), ("payload", "Payload (a JSON object)", "json")),
    ),
    "event": Action(
        "Post an event",
        "An event owned by the run; waits for its name (in this run, its parent, children or tenant) take it.",
        (("event_name", "Event name", "required"), ("payload", "Payload (a JSON object)", "json")),
    ),
    "approve": Action(
        "Approve", "The waiting approval request is approved and the run goes on.", (("comment", "Comment", "text"),)
    ),
    "reject": Action(
        "Reject",
        "The waiting approval request is rejected; the run goes on with that answer.",
        (("comment", "Comment", "text"),),
    ),
}


@_render.page
async def confirm_page(request: Request) -> Response:
    """The confirmation page of one action: what it will do, and the form that does it."""
    principal = await _render.page_principal(request, "operator")
    run_id = _state.path_uuid(request, "workflow_run_id")
    name = request.query_params.get("action", "")
    action = ACTIONS.get(name)
    if action is None:
        raise errors.InvalidRequest("unknown_action", f"choose one of {', '.join(ACTIONS)}")
    run = await _state.get(request).call(runs.get_run, principal.tenant_id, run_id)
    task = request.query_params.get("task", "") if name in ("approve", "reject") else ""
    if name in ("approve", "reject") and not task:
        raise errors.InvalidRequest("missing_task", "name the approval's task")
    return _render.render(
        request,
        "pages/confirm.html",
        principal=principal,
        title=action.title,
        run=run,
        action=name,
        spec=action,
        task=task,
        idempotency_key=str(uuid.uuid4()),
    )


@_render.page
async def do_action(request: Request) -> Response:
    """Does the confirmed action through the REST route's engine function, then 303 back to the run."""
    form = await request.form(max_files=0, max_fields=16, max_part_size=MAX_FIELD_CHARS)
    principal = await _render.page_principal(request, "operator", csrf_token=_field(form, "csrf_token"))
    run_id = _state.path_uuid(request, "workflow_run_id")
    name = _field(form, "action")
    if name not in ACTIONS:
        raise errors.InvalidRequest("unknown_action", f"choose one of {', '.join(ACTIONS)}")
    operation, body, change = _change(request, principal, run_id, name, form)
    idempotency = _state.idempotency_of(operation, _field(form, "idempotency_key"), body, FORM_KEY)
    answer = await _changes.change(request, principal, tenants.once, principal.tenant_id, idempotency, change)
    logger.info("console action %s on run %s by tenant %s", name, run_id, principal.tenant_id)
    target = answer.get("new_workflow_run_id", str(run_id))
    flash = _flash(name, answer)
    return RedirectResponse(f"/ui/runs/{target}?" + urllib.parse.urlencode({"flash": flash}), status_code=303)


def _change(
    request: Request, principal: tenants.Principal, run_id: uuid.UUID, name: str, form: FormData
) -> tuple[str, dict[str, Any], Callable[[db.Connection], dict[str, Any]]]:
    """(REST operation name, the request as the REST route hashes it, the change) of an action."""
    tenant_id = principal.tenant_id
    if name == "cancel":

        def cancel(conn: db.Connection) -> dict[str, Any]:
            runs.cancel_run(conn, tenant_id, run_id)
            return {"workflow_run_id": str(run_id), "state": "cancelled"}

        return "cancel_workflow", {"workflow_run_id": str(run_id)}, cancel
    if name == "retry":
        max_attempts = _state.get(request).settings.root_task_max_attempts

        def retry(conn: db.Connection) -> dict[str, Any]:
            new_run_id = str(runs.retry_run(conn, tenant_id, run_id, max_attempts))
            return {"workflow_run_id": new_run_id, "new_workflow_run_id": new_run_id, "retry_of": str(run_id)}

        return "retry_workflow", {"workflow_run_id": str(run_id)}, retry
    if name == "signal":
        signal_name = signals.check_name("signal", _field(form, "signal_name"))
        payload = _payload(form)

        def send(conn: db.Connection) -> dict[str, Any]:
            emitted = signals.send(conn, tenant_id, run_id, "signal", signal_name, payload)
            return {"workflow_run_id": str(run_id), "signal_name": signal_name, "sequence": emitted.sequence}

        body = {"workflow_run_id": str(run_id), "signal_name": signal_name, "payload": payload}
        return "send_signal", body, send
    if name == "event":
        event_name, payload = _field(form, "event_name"), _payload(form)

        def post(conn: db.Connection) -> dict[str, Any]:
            emitted = runs.post_event(conn, tenant_id, run_id, event_name, payload)
            return {"workflow_run_id": str(run_id), "event_name": event_name, "sequence": emitted.sequence}

        return "post_event", {"workflow_run_id": str(run_id), "event_name": event_name, "payload": payload}, post
    approved = name == "approve"
    key = f"{run_id}:{_field(form, 'task')}"
    approver = principal.user_email or principal.tenant_id
    comment = _field(form, "comment")
    decide = functools.partial(
        approvals.decide_approval,
        tenant_id=tenant_id,
        approval_key=key,
        approved=approved,
        approver=approver,
        comment=comment,
    )
    return f"{name}_approval", {"approval_key": key, "approver": approver, "comment": comment}, decide


def _field(form: FormData, name: str) -> str:
    value = form.get(name, "")
    if not isinstance(value, str):
        raise errors.InvalidRequest("bad_field", f"{name} must be text")
    return value


def _payload(form: FormData) -> dict[str, Any]:
    raw = _field(form, "payload").strip() or "{}"
    try:
        payload = json.loads(raw)
    except ValueError as err:
        raise errors.InvalidRequest("bad_payload", "the payload must be a JSON object") from err
    if not isinstance(payload, dict):
        raise errors.InvalidRequest("bad_payload", "the payload must be a JSON object")
    return payload


def _flash(name: str, answer: dict[str, Any]) -> str:
    if name == "cancel":
        return "The run was cancelled."
    if name == "retry":
        return f"Retried as a new run, {answer['new_workflow_run_id'][:8]}: this is its page."
    if name == "signal":
        return f"Signal {answer['signal_name']} sent (#{answer['sequence']})."
    if name == "event":
        return f"Event {answer['event_name']} posted (#{answer['sequence']})."
    return f"Approval {'approved' if answer.get('approved') else 'rejected'}."


routes = [
    Route("/ui/runs/{workflow_run_id}/confirm", confirm_page, methods=["GET"], include_in_schema=False),
    Route("/ui/runs/{workflow_run_id}/actions", do_action, methods=["POST"], include_in_schema=False),
]
