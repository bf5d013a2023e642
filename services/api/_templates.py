"""Routes under /api/v1/templates: verified workflow definitions to start from."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hwe import templates
from services.api import _state


async def list_templates(request: Request) -> Response:
    """Lists the templates: name, description and example inputs."""
    await _state.authenticate(request)
    return _state.success({"items": templates.list_templates()})


async def get_template(request: Request) -> Response:
    """One template with its workflow definition, ready to POST to /api/v1/workflows with its inputs."""
    await _state.authenticate(request)
    return _state.success(templates.get_template(request.path_params["name"]))


routes = [
    Route("/api/v1/templates", list_templates, methods=["GET"]),
    Route("/api/v1/templates/{name}", get_template, methods=["GET"]),
]
