"""Requests the API refuses before any endpoint reads them: size, depth, content type, shape, NUL."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.integration.conftest import Tenant

KEYS = "/api/v1/admin/api-keys"
ENDPOINTS = ["/api/v1/workflows", KEYS]


def _post_raw(tenant: Tenant, path: str, body: bytes, content_type: str = "application/json") -> httpx.Response:
    return tenant.client.post(path, content=body, headers={"Content-Type": content_type})


@pytest.mark.parametrize("path", ENDPOINTS)
def test_body_over_one_mebibyte_gets_413(tenant: Tenant, path: str) -> None:
    body = json.dumps({"role": "viewer", "padding": "x" * 1_100_000}).encode()
    response = _post_raw(tenant, path, body)
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"


def test_chunked_body_over_one_mebibyte_gets_413(tenant: Tenant) -> None:
    def chunks() -> object:
        for _ in range(20):
            yield b" " * 100_000

    response = tenant.client.post(KEYS, content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413


@pytest.mark.parametrize("path", ENDPOINTS)
def test_deeply_nested_body_gets_400(tenant: Tenant, path: str) -> None:
    response = _post_raw(tenant, path, b'{"a": ' + b"[" * 40 + b"]" * 40 + b"}")
    assert response.status_code == 400
    assert response.json()["code"] == "too_deep"


def test_very_deeply_nested_body_gets_400_not_500(tenant: Tenant) -> None:
    response = _post_raw(tenant, KEYS, b"[" * 100_000 + b"]" * 100_000)
    assert response.status_code == 400


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("body", [b"[]", b'"text"', b"42", b"null"])
def test_body_that_is_not_a_json_object_gets_400(tenant: Tenant, path: str, body: bytes) -> None:
    response = _post_raw(tenant, path, body)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_json"


@pytest.mark.parametrize(
    "body",
    [b'{"role": "a\\u0000b"}', b'{"role\\u0000": "viewer"}', b'{"role": "\\ud800"}', b'{"n": NaN}', b'{"n": Infinity}'],
)
def test_nul_lone_surrogate_or_nan_gets_400(tenant: Tenant, body: bytes) -> None:
    response = _post_raw(tenant, KEYS, body)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_json"


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin-1"]
)
def test_body_with_another_content_type_gets_400(tenant: Tenant, content_type: str) -> None:
    response = _post_raw(tenant, KEYS, b'{"role": "viewer"}', content_type)
    assert response.status_code == 400
    assert response.json()["code"] == "unsupported_media_type"


def test_json_with_utf8_charset_is_accepted(tenant: Tenant) -> None:
    response = _post_raw(tenant, KEYS, b'{"name": "utf-8", "role": "viewer"}', "application/json; charset=utf-8")
    assert response.status_code == 201


def test_nul_in_the_url_gets_400(tenant: Tenant) -> None:
    assert tenant.client.get("/api/v1/workflows", params={"name": "a\x00b"}).status_code == 400
    assert tenant.client.delete(f"{KEYS}/ab%00cd").status_code == 400


def test_unknown_route_gets_404_in_the_error_envelope(api_url: str) -> None:
    response = httpx.get(f"{api_url}/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["status"] == "error"
    assert response.json()["code"] == "not_found"


def test_wrong_method_gets_405_in_the_error_envelope(api_url: str) -> None:
    response = httpx.put(f"{api_url}{KEYS}", json={})
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_every_response_carries_a_request_id_header(tenant: Tenant) -> None:
    ok = tenant.client.get("/api/v1/workflows")
    error = tenant.client.get("/api/v1/workflows", params={"limit": 0})
    assert ok.headers["x-request-id"]
    assert error.headers["x-request-id"] == error.json()["request_id"]
    assert ok.headers["x-request-id"] != error.headers["x-request-id"]


def test_upload_to_a_json_endpoint_gets_400(tenant: Tenant) -> None:
    response = tenant.client.post(KEYS, files={"role": ("role.txt", b"viewer")})
    assert response.status_code == 400
    assert response.json()["code"] == "unsupported_media_type"


def test_upload_declared_over_sixteen_mebibytes_gets_413(tenant: Tenant) -> None:
    response = tenant.client.post(
        "/api/v1/artifacts",
        content=b"x" * (17 * 1_048_576),
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"


def test_streamed_upload_over_sixteen_mebibytes_gets_413(tenant: Tenant) -> None:
    def chunks() -> object:
        yield b'--b\r\nContent-Disposition: form-data; name="artifact"; filename="a.zip"\r\n\r\n'
        for _ in range(17):
            yield b"x" * 1_048_576

    response = tenant.client.post(
        "/api/v1/artifacts", content=chunks(), headers={"Content-Type": "multipart/form-data; boundary=b"}
    )
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"
