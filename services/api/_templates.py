"""Routes of DSL templates and the DSL converter: /api/v1/dsl_templates and /api/v1/dsl_to_json.

Templates are verified workflow definitions to start from (hwe.templates). The converter evaluates
highway_dsl Python source in the sandbox (hwe.sandbox: a child interpreter under CPU, memory and
wall-clock limits, with no network and no engine settings), exactly as a `python_dsl` submission is,
and answers the definition's JSON once it passed the checks a submission must pass.
"""

from __future__ import annotations

from typing import Any

import anyio
import yaml
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import db, errors, interpreter, sandbox, templates, tenants
from services.api import _state

OPENAPI_SCHEMAS: dict[str, Any] = yaml.safe_load(r"""
DslTemplateSummary:
  type: object
  required: [name, description, inputs]
  properties:
    name: {type: string}
    description: {type: string}
    inputs: {type: object, description: example inputs the template runs with}
DslTemplateList:
  type: object
  required: [items]
  properties:
    items: {type: array, items: {$ref: '#/components/schemas/DslTemplateSummary'}}
DslTemplate:
  type: object
  required: [name, description, inputs, workflow_definition]
  properties:
    name: {type: string}
    description: {type: string}
    inputs: {type: object}
    workflow_definition: {type: object, description: ready to POST to /api/v1/workflows with the inputs}
DslSource:
  type: object
  required: [code]
  additionalProperties: false
  properties:
    code:
      type: string
      minLength: 1
      maxLength: 200000
      description: highway_dsl Python source that builds one workflow
DslDefinition:
  type: object
  required: [workflow_definition]
  properties:
    workflow_definition: {type: object, description: "the workflow's JSON form (Workflow.model_dump(mode='json'))"}
""")


async def list_dsl_templates(request: Request) -> Response:
    """Lists the DSL templates: name, description and example inputs, by name.

    ---
    tags: [dsl-templates]
    x-role: viewer
    responses:
      200: {description: the templates, x-data: DslTemplateList}
    """
    await _state.authenticate(request, require="viewer")
    return _state.success({"items": templates.list_templates()})


async def get_dsl_template(request: Request) -> Response:
    """One DSL template with its workflow definition, ready to POST to /api/v1/workflows with its inputs.

    ---
    tags: [dsl-templates]
    x-role: viewer
    parameters:
      - {name: template_name, in: path, required: true, schema: {type: string, minLength: 1, maxLength: 100}}
    responses:
      200: {description: the template, x-data: DslTemplate}
    """
    await _state.authenticate(request, require="viewer")
    return _state.success(templates.get_template(request.path_params["template_name"]))


async def dsl_to_json(request: Request) -> Response:
    """Converts highway_dsl Python source to the workflow's JSON definition, checked as a submission would be.

    The source runs in the sandbox (10 s of CPU, 20 s of wall clock, 1 GiB of memory, no network); nothing is
    stored or run. A source that fails, builds no workflow, or builds one that cannot run is a 400 saying why.
    A repeat under the same X-Idempotency-Key answers the first answer.
    ---
    tags: [dsl-templates]
    x-role: operator
    x-body: DslSource
    parameters:
      - $ref: '#/components/parameters/IdempotencyKey'
    responses:
      200: {description: the definition, x-data: DslDefinition}
    """
    principal = await _state.authenticate(request, require="operator")
    body = await _state.read_json_object(request, ("code",))
    code = body.get("code")
    if not isinstance(code, str) or not code.strip() or len(code) > sandbox.MAX_SOURCE_CHARS:
        raise errors.InvalidRequest(
            "bad_field", f"'code' must be highway_dsl Python source of 1 to {sandbox.MAX_SOURCE_CHARS} characters"
        )
    idem = _state.idempotency(request, "dsl_to_json", body)
    # The sandbox runs before the key is claimed: no pooled connection waits on user code.
    definition = await anyio.to_thread.run_sync(sandbox.definition_from_python_dsl, code)
    interpreter.check_new_definition(definition)
    answer = {"workflow_definition": definition}
    if idem is not None:
        answer = await _state.get(request).call(_once, principal.tenant_id, idem, answer)
    return _state.success(answer)


def _once(conn: db.Connection, tenant_id: str, idem: tenants.Idempotency, answer: dict[str, Any]) -> dict[str, Any]:
    with conn.transaction():
        return tenants.once(conn, tenant_id, idem, lambda _conn: answer)


routes = [
    Route("/api/v1/dsl_templates", list_dsl_templates, methods=["GET"]),
    Route("/api/v1/dsl_templates/{template_name}", get_dsl_template, methods=["GET"]),
    Route("/api/v1/dsl_to_json", dsl_to_json, methods=["POST"]),
]
