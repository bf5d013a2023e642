"""Tenant isolation across every operation of the OpenAPI document and every console page.

The matrix is generated from the live document, so a new route is probed the day it is added: tenant B, in each
role, calls every operation with a path parameter using tenant A's real ids, and reads every list, and never gets
A's resource or a glimpse of it.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from starlette.routing import Route

from services.api import _app
from tests.integration.conftest import Tenant
from tests.integration.security.conftest import NOT_SECRET, Estate, artifact_archive

ROLES = ("admin", "operator", "viewer")
# What B may hear about A's resource: not there (404), not for your role (403), or a body B cannot make valid.
REFUSALS = frozenset({400, 403, 404, 405, 409, 410, 422})
# Open to everyone by design (`security: []`): nothing tenant-scoped to probe.
PUBLIC = frozenset(
    {
        ("get", "/"),
        ("get", "/api/v1/auth/login"),
        ("post", "/api/v1/auth/login"),
        ("get", "/api/v1/auth/logout"),
        ("post", "/api/v1/auth/logout"),
        ("get", "/api/v1/auth/oauth"),
        ("post", "/api/v1/auth/verify"),
        ("get", "/api/v1/docs"),
        ("get", "/api/v1/health"),
        ("post", "/api/v1/invitations/accept"),
        ("get", "/api/v1/openapi.json"),
        ("get", "/api/v1/version"),
        ("get", "/favicon.ico"),
        ("get", "/healthz"),
        ("get", "/login"),
        ("get", "/metrics"),
        ("get", "/ping"),
        ("get", "/readyz"),
    }
)
# Resources every tenant shares, which B may read: they hold nothing of A's.
SHARED = frozenset(
    {("get", "/api/v1/dsl_templates/{template_name}"), ("get", "/api/v1/rbac/permissions/{permission_name}/roles")}
)
# Operations that answer "nothing here" with a 2xx by contract: for A's id, B must get that very answer.
ABSENT: dict[tuple[str, str], dict[str, Any]] = {
    ("get", "/api/v1/artifacts/{artifact_id}/exists"): {"exists": False},
    ("delete", "/api/v1/idempotency/{idempotency_key}"): {"records_deleted": 0},
}
# An email names a person, not a resource: B may have a user or an invitation for the same person.
OWN_PEOPLE = frozenset({"/api/v1/users", "/api/v1/admin/invitations"})
# They show the caller's own request trail, which names every id the caller sent: they are read before any
# request of the caller has named one of A's.
TRAIL = frozenset({"/api/v1/admin/audit-logs", "/api/v1/analytics/events"})


def _valid(stranger_artifact: str) -> dict[tuple[str, str], dict[str, Any]]:
    """Requests valid in every other way, for the operations that check their body or query before the resource:
    sent after `{}` was refused, each must reach the resource, and find it is not B's."""
    action = {"lookup": {"function": "stranger.actions.version"}}
    version = {"version": "9.9.9", "artifact_id": stranger_artifact, "actions": action}
    return {
        ("get", "/api/v1/workflows/{workflow_run_id}/query"): {"params": {"variable": "greeting"}},
        ("post", "/api/v1/apps/{app_id}/versions"): {"json": version},
        ("post", "/api/v1/schemas/{workflow_name}/validate"): {"json": {"input_data": {}}},
        ("patch", "/api/v1/tenant/apps/{installation_id}/config"): {"json": {"configuration": {}}},
        ("put", "/api/v1/tenant/apps/{installation_id}/secrets/{secret_name}"): {"json": {"value": "stranger"}},
        ("post", "/api/v1/users/{email}/roles"): {"json": {"role": "viewer"}},
        ("put", "/api/v1/workers/{worker_id}/capacity"): {"json": {"max_concurrent_tasks": 2}},
        ("post", "/api/v1/workflows/{workflow_run_id}/events"): {"json": {"event_name": "stranger", "payload": {}}},
        ("post", "/api/v1/workflows/{workflow_run_id}/signals"): {"json": {"signal_name": "stranger"}},
        ("post", "/api/v1/workflows/{workflow_run_id}/updates"): {"json": {"update_name": "u", "timeout_seconds": 0.1}},
    }


@pytest.fixture(scope="module")
def stranger(module_tenants: Callable[[], Tenant]) -> Tenant:
    """Tenant B, who owns nothing of interest."""
    return module_tenants()


@pytest.fixture(scope="module")
def valid(stranger: Tenant) -> dict[tuple[str, str], dict[str, Any]]:
    """B's valid requests, with an artifact of B's own where the body names one."""
    archive = artifact_archive("stranger")
    response = stranger.client.post("/api/v1/artifacts", files={"artifact": ("b.zip", archive, "application/zip")})
    assert response.status_code == 201, response.text
    return _valid(response.json()["artifact_id"])


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if (method, path) not in PUBLIC:
                yield method, path, operation


def _fill(path: str, values: dict[str, str]) -> tuple[str, list[str]]:
    """The path with A's value for each parameter, and the values sent."""
    names = re.findall(r"{(\w+)}", path)
    missing = [name for name in names if name not in values]
    assert not missing, f"{path}: add tenant A's value for {missing} to Estate.values in security/conftest.py"
    sent = [values[name] for name in names]
    for name in names:
        path = path.replace(f"{{{name}}}", urllib.parse.quote(values[name], safe=""))
    return path, sent


def _leaks(response: httpx.Response, estate: Estate, sent: list[str]) -> list[str]:
    """A's marker or ids in an answer, beyond the values B itself sent (an echo of B's own request tells nothing)."""
    text = response.text
    for value in sorted(sent, key=len, reverse=True):
        text = text.replace(value, "").replace(urllib.parse.quote(value, safe=""), "")
    return [secret for secret in estate.secrets() if secret in text]


def _absent(method: str, path: str, response: httpx.Response) -> bool:
    """A 2xx that is allowed: a shared resource, or the answer an operation gives for what does not exist."""
    if (method, path) in SHARED:
        return True
    nothing = ABSENT.get((method, path))
    return nothing is not None and nothing.items() <= response.json()["data"].items()


def _probe(client: httpx.Client, method: str, path: str, query: dict[str, str] | None = None) -> httpx.Response:
    body: dict[str, Any] | None = {} if method in ("post", "put", "patch", "delete") else None
    return client.request(method.upper(), path, json=body, params=query)


def test_public_operations_are_exactly_the_known_ones(document: dict[str, Any]) -> None:
    public = {(m, p) for p, ops in document["paths"].items() for m, op in ops.items() if op.get("security") == []}
    assert public == PUBLIC


def test_the_public_pages_show_nothing_of_any_tenant(document: dict[str, Any], estate: Estate) -> None:
    for method, path in sorted(PUBLIC):
        if method == "get":
            response = httpx.get(f"{estate.owner.api_url}{path}")
            # A documented 5xx is a decision (OIDC sign-in answers 501 when it is not configured), not a fault.
            documented = str(response.status_code) in document["paths"][path][method]["responses"]
            assert response.status_code < 500 or documented, path
            assert _leaks(response, estate, []) == [], path


@pytest.mark.parametrize("role", ROLES)
def test_a_stranger_cannot_reach_any_resource_by_its_id(
    document: dict[str, Any],
    estate: Estate,
    stranger: Tenant,
    valid: dict[tuple[str, str], dict[str, Any]],
    role: str,
) -> None:
    client = stranger.client_as(role)
    problems = []
    probed = 0
    for method, path, _operation in _operations(document):
        if "{" not in path:
            continue
        # Each of A's runs in turn (done, failed, waiting): a cancel or retry that reached the run would succeed
        # on one of them, where on another a state conflict could hide it.
        runs = estate.runs if "{workflow_run_id}" in path else [estate.values["workflow_run_id"]]
        for run in runs:
            url, sent = _fill(path, {**estate.values, "workflow_run_id": run})
            problems += _refused(client, method, path, url, valid.get((method, path)), estate, sent)
            probed += 1
    assert probed > 100, probed
    assert not problems, "\n".join(problems)
    estate.assert_intact()


def _refused(
    client: httpx.Client,
    method: str,
    path: str,
    url: str,
    valid: dict[str, Any] | None,
    estate: Estate,
    sent: list[str],
) -> list[str]:
    """What is wrong with B's answer for A's resource: it must be refused, and show nothing of A's."""
    response = _probe(client, method, url)
    if response.status_code in (400, 422) and valid is not None:
        response = client.request(method.upper(), url, **valid)
        if response.status_code not in (403, 404):
            return [f"{method.upper()} {url} (valid): {response.status_code} {response.text[:300]}"]
    if not (response.status_code in REFUSALS or (response.is_success and _absent(method, path, response))):
        return [f"{method.upper()} {url}: {response.status_code} {response.text[:300]}"]
    if leaked := _leaks(response, estate, sent):
        return [f"{method.upper()} {url}: {response.status_code} shows {leaked}: {response.text[:300]}"]
    return []


@pytest.mark.parametrize("role", ROLES)
def test_a_strangers_lists_and_filters_show_nothing_of_another_tenant(
    document: dict[str, Any], estate: Estate, module_tenants: Callable[[], Tenant], role: str
) -> None:
    # A tenant of its own: the stranger of the other tests has A's ids in its request trail.
    client = module_tenants().client_as(role)
    lists = [(path, op) for method, path, op in _operations(document) if method == "get" and "{" not in path]
    # Every filter that can name one of A's resources names it: a filter must not reach past the tenant.
    filtered = [(path, _filters(op, estate)) for path, op in lists if path not in TRAIL]
    problems = []
    for path, params in [(path, {}) for path, _op in lists] + [(p, q) for p, q in filtered if q]:
        response = _probe(client, "get", path, params)
        if not (response.is_success or response.status_code in REFUSALS):
            problems.append(f"GET {path} {params}: {response.status_code} {response.text[:300]}")
        elif leaked := _leaks(response, estate, list(params.values())):
            problems.append(f"GET {path} {params}: shows {leaked}: {response.text[:300]}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", ROLES)
def test_a_stranger_cannot_name_another_tenants_resource_in_a_body(
    document: dict[str, Any], estate: Estate, module_tenants: Callable[[], Tenant], role: str
) -> None:
    # A tenant of its own: what it creates here must not change what the other tests' stranger sees.
    client = module_tenants().client_as(role)
    schemas = document["components"]["schemas"]
    problems, probed = [], 0
    for method, path, operation in _operations(document):
        schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        if "{" in path or not schema:
            continue
        fields = schemas[schema["$ref"].rpartition("/")[2]] if "$ref" in schema else schema
        body = {name: estate.values[name] for name in fields.get("properties", {}) if name in estate.values}
        if not set(body) - NOT_SECRET:
            continue
        response = client.request(method.upper(), path, json=body)
        probed += 1
        allowed = response.status_code in REFUSALS or (response.is_success and path in OWN_PEOPLE)
        if not allowed:
            problems.append(f"{method.upper()} {path} {body}: {response.status_code} {response.text[:300]}")
        elif leaked := _leaks(response, estate, list(body.values())):
            problems.append(f"{method.upper()} {path} {body}: shows {leaked}: {response.text[:300]}")
    assert probed >= 5, probed
    assert not problems, "\n".join(problems)


def _filters(operation: dict[str, Any], estate: Estate) -> dict[str, str]:
    return {p["name"]: estate.values[p["name"]] for p in operation["parameters"] if p["name"] in estate.values}


def _console_pages() -> list[str]:
    paths = []
    for route in _app.routes():
        if isinstance(route, Route) and route.path.startswith("/ui") and "GET" in (route.methods or ()):
            paths.append(route.path)
    return paths


@pytest.mark.parametrize("role", ROLES)
def test_a_stranger_sees_nothing_of_another_tenant_in_the_console(estate: Estate, stranger: Tenant, role: str) -> None:
    client = stranger.client_as(role)
    pages = _console_pages()
    # The owner's own page shows the marker, so its absence from B's pages means something.
    assert estate.marker in estate.owner.client.get(_fill("/ui/runs/{workflow_run_id}", estate.values)[0]).text
    problems = []
    for page in pages:
        url, sent = _fill(page, estate.values)
        response = client.get(url)
        if response.status_code >= 500:
            problems.append(f"GET {url}: {response.status_code}")
        elif "{" in page and response.is_success and page != "/ui/assets/{name}":
            problems.append(f"GET {url}: {response.status_code} for another tenant's resource")
        elif leaked := _leaks(response, estate, sent):
            problems.append(f"GET {url}: {response.status_code} shows {leaked}")
    assert not problems, "\n".join(problems)
