"""The OpenAPI 3.1 document, generated from the application's routes, and a page that shows it.

The routes are the one source of truth: every route appears, with its path parameters, and an
endpoint describes itself in its docstring. The first line is the summary, the text up to `---`
the description, and an optional YAML block after `---` holds OpenAPI operation fields plus
four shorthands this module expands:

- `x-role: viewer|operator|admin`: the least role needed (documents 401, 403 and 429);
  `security: []` marks a public endpoint. Without either, the role follows the method (see
  `_state.authenticate`).
- `x-body: <schema>`: a required `application/json` body of that component schema (documents 400, 413).
- `x-data: <schema>` in a response: the success envelope with `data` of that component schema.

Every operation documents 400 (the guard refuses a URL with a NUL) and 500; an unsafe method 413; one that
declares the IdempotencyKey parameter 409 (`idempotency_conflict`); one with a path parameter 404 and, for a
parameter it does not declare itself, the schema `_state.path_parameter_schema` gives (what `_state.authenticate`
checks). A response may carry OpenAPI `links` to the operations its ids feed (the stateful phase of `make fuzz`
follows them, see docs/api.md).

Component schemas shared by many modules live in `_openapi_components`; a route module may add its
own as a module-level `OPENAPI_SCHEMAS` dict (name → schema), kept next to the handlers that answer them.

An endpoint without a YAML block is still documented from its route and docstring.
"""

from __future__ import annotations

import copy
import html
import importlib.metadata
import json
import sys
from typing import Any

import yaml
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.schemas import BaseSchemaGenerator

from services.api import _openapi_components as components
from services.api import _state

OPENAPI_PATH = "/api/v1/openapi.json"
DOCS_PATH = "/api/v1/docs"
_ERROR_REFS = {
    "400": "BadRequest",
    "404": "NotFound",
    "401": "Unauthorized",
    "403": "Forbidden",
    "409": "Conflict",
    "413": "PayloadTooLarge",
    "429": "TooManyRequests",
    "500": "InternalError",
}


class _Generator(BaseSchemaGenerator):
    def get_schema(self, routes: list[BaseRoute]) -> dict[str, Any]:
        paths: dict[str, dict[str, Any]] = {}
        component_schemas: dict[str, Any] = copy.deepcopy(components.COMPONENTS["schemas"])
        for endpoint in self.get_endpoints(routes):
            operation = _operation(endpoint.path, endpoint.http_method, endpoint.func)
            paths.setdefault(endpoint.path, {})[endpoint.http_method] = operation
            _add_module_schemas(component_schemas, endpoint.func)
        return {
            "openapi": "3.1.0",
            "info": {
                "title": "Highway Engine API",
                "version": importlib.metadata.version("highway-engine"),
                "description": "Durable workflow runs on PostgreSQL. Send `Authorization: Bearer <API key>`.",
            },
            "servers": [{"url": "/"}],
            "security": [{"apiKey": []}],
            "paths": dict(sorted(paths.items())),
            "components": {**copy.deepcopy(components.COMPONENTS), "schemas": dict(sorted(component_schemas.items()))},
        }


def _add_module_schemas(schemas: dict[str, Any], func: Any) -> None:
    """Adds the `OPENAPI_SCHEMAS` of the endpoint's module; a name defined twice is a programming error."""
    module_schemas: dict[str, Any] = getattr(sys.modules[func.__module__], "OPENAPI_SCHEMAS", {})
    for name, schema in module_schemas.items():
        if name in schemas and schemas[name] != schema:
            raise ValueError(f"OpenAPI schema {name} is defined twice ({func.__module__})")
        schemas[name] = copy.deepcopy(schema)


def build_document(routes: list[BaseRoute]) -> dict[str, Any]:
    """The OpenAPI document of these routes."""
    return _Generator().get_schema(routes)


def _operation(path: str, method: str, func: Any) -> dict[str, Any]:
    text, _, spec_text = (func.__doc__ or "").partition("---")
    spec: dict[str, Any] = (yaml.safe_load(spec_text) if spec_text.strip() else None) or {}
    lines = [line.strip() for line in text.strip().splitlines()]
    operation: dict[str, Any] = {
        "operationId": func.__name__,
        "summary": lines[0] if lines else func.__name__,
        **({"description": " ".join(line for line in lines[1:] if line)} if len(lines) > 1 else {}),
    }
    role = spec.pop("x-role", None)
    body = spec.pop("x-body", None)
    responses = {str(status): _response(value) for status, value in spec.pop("responses", {}).items()}
    operation.update(spec)
    operation["parameters"] = _parameters(path, operation.get("parameters", []))
    public = operation.get("security") == []
    if not public:
        role = role or ("viewer" if method in ("get", "head") else "operator")
        operation["x-role"] = role
        operation["description"] = f"{operation.get('description', '')} Needs the {role} role.".strip()
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{body}"}}},
        }
    if not any(status.startswith("2") for status in responses):
        responses["2XX"] = {"description": "success", "content": _envelope(None)}
    # The guard answers 400 for any URL with a NUL and reads (so may refuse) the body of any unsafe method;
    # `_state.authenticate` answers 404 for a path parameter that cannot name anything.
    defaults = ["400", "500"]
    if not public:
        defaults += ["401", "429"] + (["403"] if role != "viewer" else [])
    if body is not None or method not in ("get", "head", "options"):
        defaults.append("413")
    if any(parameter.get("in") == "path" for parameter in operation["parameters"]):
        defaults.append("404")
    # A replayed idempotency key with another request is refused, whatever the operation.
    if {"$ref": "#/components/parameters/IdempotencyKey"} in operation["parameters"]:
        defaults.append("409")
    for status in defaults:
        responses.setdefault(status, {"$ref": f"#/components/responses/{_ERROR_REFS[status]}"})
    operation["responses"] = dict(sorted(responses.items()))
    return operation


def _parameters(path: str, declared: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The path parameters in the template's order, then the other declared ones.

    A path parameter an endpoint does not declare gets the schema `_state.check_path_parameters` enforces.
    """
    declared_path = {p["name"]: p for p in declared if p.get("in") == "path"}
    segments = [s[1:-1] for s in path.split("/") if s.startswith("{") and s.endswith("}")]
    in_path = [
        declared_path.get(name)
        or {"name": name, "in": "path", "required": True, "schema": _state.path_parameter_schema(name)}
        for name in segments
    ]
    return [*in_path, *(p for p in declared if p.get("in") != "path")]


def _response(value: dict[str, Any]) -> dict[str, Any]:
    value = dict(value)
    data = value.pop("x-data", None)
    if data is not None:
        value["content"] = _envelope(data)
    return value


def _envelope(schema_name: str | None) -> dict[str, Any]:
    data = {"$ref": f"#/components/schemas/{schema_name}"} if schema_name else {}
    schema = {
        "type": "object",
        "required": ["status", "data"],
        "properties": {"status": {"const": "success"}, "data": data},
    }
    return {"application/json": {"schema": schema}}


async def openapi_document(request: Request) -> Response:
    """This API's OpenAPI 3.1 document, generated from its routes.

    ---
    security: []
    tags: [meta]
    responses:
      200:
        description: the OpenAPI document
        content:
          application/json: {schema: {type: object}}
    """
    return JSONResponse(build_document(request.app.routes))


async def docs_page(request: Request) -> Response:
    """A self-contained HTML page listing every operation of the OpenAPI document.

    ---
    security: []
    tags: [meta]
    responses:
      200:
        description: the page
        content:
          text/html: {schema: {type: string}}
    """
    return HTMLResponse(render_page(build_document(request.app.routes)))


def render_page(document: dict[str, Any]) -> str:
    """Renders the document as one HTML page with no external resources."""
    sections = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            sections.append(_render_operation(path, method, operation))
    title = html.escape(f"{document['info']['title']} {document['info']['version']}")
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{title}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{title}</h1><p>{html.escape(document['info']['description'])} "
        f'The machine-readable document is at <a href="{OPENAPI_PATH}">{OPENAPI_PATH}</a>.</p>'
        f"{''.join(sections)}</body></html>"
    )


def _render_operation(path: str, method: str, operation: dict[str, Any]) -> str:
    params = "".join(
        f"<li><code>{html.escape(p['name'])}</code> ({html.escape(p['in'])})"
        f"{' required' if p.get('required') else ''} {html.escape(p.get('description', ''))}</li>"
        for p in operation.get("parameters", [])
        if "name" in p
    )
    responses = "".join(
        f"<li><code>{html.escape(status)}</code> {html.escape(_describe(response))}</li>"
        for status, response in operation["responses"].items()
    )
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    return (
        f'<section id="{html.escape(operation["operationId"])}"><h2><span class="m">{method.upper()}</span> '
        f"<code>{html.escape(path)}</code></h2><p><b>{html.escape(operation['summary'])}</b> "
        f"{html.escape(operation.get('description', ''))}</p>"
        + (f"<h3>Parameters</h3><ul>{params}</ul>" if params else "")
        + (f"<h3>Body</h3><pre>{html.escape(json.dumps(body, indent=2))}</pre>" if body else "")
        + f"<h3>Responses</h3><ul>{responses}</ul></section>"
    )


def _describe(response: dict[str, Any]) -> str:
    if "$ref" in response:
        name = response["$ref"].rsplit("/", 1)[-1]
        described: str = components.COMPONENTS["responses"][name]["description"]
        return described
    return str(response.get("description", ""))


_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}"
    "section{border-top:1px solid #ddd;padding:.5rem 0}h2{font-size:1.1rem}"
    ".m{display:inline-block;min-width:4.5rem;color:#fff;background:#35c;border-radius:3px;"
    "padding:0 .4rem;text-align:center}pre{background:#f6f6f6;padding:.5rem;overflow:auto}"
)


routes = [
    Route(OPENAPI_PATH, openapi_document, methods=["GET"]),
    Route(DOCS_PATH, docs_page, methods=["GET"]),
]
