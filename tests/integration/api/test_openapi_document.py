"""The OpenAPI document is valid, generated from the routes, and shown on a self-contained page."""

from __future__ import annotations

import re

import httpx
from openapi_spec_validator import validate
from starlette.routing import Route

from services.api import _app


def _route_operations() -> set[tuple[str, str]]:
    operations = set()
    for route in _app.routes():
        assert isinstance(route, Route)
        if not route.include_in_schema:
            continue  # the console's pages (/ui) are not API operations
        path = re.sub(r":\w+}", "}", route.path)
        operations |= {(path, method.lower()) for method in route.methods or () if method != "HEAD"}
    return operations


def _document(api_url: str) -> dict[str, object]:
    response = httpx.get(f"{api_url}/api/v1/openapi.json")
    assert response.status_code == 200
    document: dict[str, object] = response.json()
    return document


def test_openapi_document_is_valid_openapi_3_1(api_url: str) -> None:
    document = _document(api_url)
    assert str(document["openapi"]).startswith("3.1")
    validate(document)


def test_every_route_is_in_the_document_and_nothing_else(api_url: str) -> None:
    paths = _document(api_url)["paths"]
    assert isinstance(paths, dict)
    documented = {(path, method) for path, operations in paths.items() for method in operations}
    assert documented == _route_operations()


def test_every_path_parameter_is_declared(api_url: str) -> None:
    paths = _document(api_url)["paths"]
    assert isinstance(paths, dict)
    for path, operations in paths.items():
        for operation in operations.values():
            declared = {p["name"] for p in operation["parameters"] if p.get("in") == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), path


def test_protected_operations_document_their_role_and_401(api_url: str) -> None:
    paths = _document(api_url)["paths"]
    assert isinstance(paths, dict)
    assert paths["/api/v1/admin/api-keys"]["post"]["x-role"] == "admin"
    assert paths["/api/v1/workflows"]["post"]["x-role"] == "operator"
    assert paths["/api/v1/workflows"]["get"]["x-role"] == "viewer"
    assert "401" in paths["/api/v1/admin/api-keys"]["get"]["responses"]
    assert paths["/api/v1/health"]["get"]["security"] == []


def test_docs_page_lists_every_operation_without_external_resources(api_url: str) -> None:
    response = httpx.get(f"{api_url}/api/v1/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    for path, method in _route_operations():
        assert f'<span class="m">{method.upper()}</span> <code>{path}</code>' in page
    assert "<script" not in page
    assert not re.search(r'(src|href)="https?://', page)


def test_openapi_document_and_docs_need_no_api_key(api_url: str) -> None:
    assert httpx.get(f"{api_url}/api/v1/openapi.json").status_code == 200
    assert httpx.get(f"{api_url}/api/v1/docs").status_code == 200


def test_a_path_parameter_is_documented_as_the_api_checks_it(api_url: str) -> None:
    paths = _document(api_url)["paths"]
    assert isinstance(paths, dict)

    def schema(path: str, method: str, name: str) -> object:
        return next(p["schema"] for p in paths[path][method]["parameters"] if p.get("name") == name)

    assert schema("/api/v1/workflows/{workflow_run_id}", "get", "workflow_run_id") == {
        "type": "string",
        "format": "uuid",
    }
    key_path = "/api/v1/idempotency/{idempotency_key}"
    assert schema(key_path, "delete", "idempotency_key") == {"type": "string", "minLength": 1, "maxLength": 255}
    for status in ("400", "404", "413"):
        assert status in paths[key_path]["delete"]["responses"]
    assert "413" not in paths["/api/v1/admin/api-keys"]["get"]["responses"]
