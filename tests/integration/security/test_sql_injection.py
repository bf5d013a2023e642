"""SQL injection through every name the API takes: query strings, text path parameters and names in bodies.

Generated from the live OpenAPI document. Each hostile value must get a clean answer: no 5xx, no database
error text, no more data than a harmless value gets, and no slower than a query that never slept.
"""

from __future__ import annotations

import re
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import psycopg
import pytest

from tests.integration.conftest import Tenant
from tests.integration.security.conftest import Estate
from tests.workflow_examples import load

HOSTILE = (
    "' OR '1'='1",
    "'; DROP TABLE hwe.tenant; --",
    '") OR 1=1 --',
    "%' OR 1=1 --",
    "$$; SELECT pg_sleep(5); $$",
    "\\",
    "\u2018 OR \u20181\u2019=\u20181\u2019 \u201c\u201d",
    "A" * 10_240,
)
HARMLESS = "harmless"
SQL_ERRORS = re.compile(r"syntax error|psycopg|SQLSTATE|ProgrammingError|unterminated", re.IGNORECASE)
# A pg_sleep(5) that ran shows as an answer slower than this.
FAST_SECONDS = 3.0
# Where a body carries a name, the field the hostile value goes into and a body valid apart from it.
BODIES: dict[tuple[str, str], tuple[str, Callable[[], dict[str, Any]]]] = {
    ("post", "/api/v1/admin/api-keys"): ("name", lambda: {"role": "viewer"}),
    ("post", "/api/v1/apps"): ("app_name", lambda: {"publisher": f"p{uuid.uuid4().hex[:12]}"}),
    ("patch", "/api/v1/apps/{app_id}"): ("display_name", lambda: {}),
    ("post", "/api/v1/invitations/accept"): (
        "display_name",
        lambda: {"token": "x" * 43, "email": "nobody@example.com", "password": "a long enough password"},
    ),
    ("post", "/api/v1/schedules"): (
        "name",
        lambda: {"workflow_definition": load("scheduled_tick"), "cron": "0 3 * * *", "is_paused": True},
    ),
    ("post", "/api/v1/users"): (
        "display_name",
        lambda: {"email": f"u{uuid.uuid4().hex[:12]}@example.com", "role": "viewer"},
    ),
    ("patch", "/api/v1/users/{email}"): ("display_name", lambda: {}),
    ("post", "/api/v1/webhooks"): ("event_types", lambda: {"url": "http://127.0.0.1:9/hook"}),
    ("post", "/api/v1/workflows"): ("definition_name", lambda: {"inputs": {}}),
    ("post", "/api/v1/workflows/{workflow_run_id}/events"): ("event_name", lambda: {"payload": {}}),
    ("post", "/api/v1/workflows/{workflow_run_id}/signals"): ("signal_name", lambda: {"payload": {}}),
    ("post", "/api/v1/workflows/{workflow_run_id}/updates"): ("update_name", lambda: {"timeout_seconds": 0.1}),
}
# Bodies that make a request with a text path parameter valid, so the parameter reaches its lookup.
PATH_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/api/v1/schemas/{workflow_name}/validate"): {"input_data": {}},
    ("post", "/api/v1/users/{email}/roles"): {"role": "viewer"},
    ("put", "/api/v1/tenant/apps/{installation_id}/secrets/{secret_name}"): {"value": "harmless"},
}
# Body fields that name something: the operations that take one must be in BODIES.
NAMES = re.compile(r"name|event|signal|queue|sort|order|filter")


@pytest.fixture(scope="module")
def stranger(module_tenants: Callable[[], Tenant]) -> Tenant:
    """A second tenant, who must still be there afterwards."""
    return module_tenants()


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """The protected operations, and accepting an invitation: the one public form that takes a name."""
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if operation.get("security") != [] or path == "/api/v1/invitations/accept":
                yield method, path, operation


def _is_text(parameter: dict[str, Any]) -> bool:
    schema: dict[str, Any] = parameter.get("schema", {})
    return schema.get("type") == "string" and schema.get("format") != "uuid"


def _url(path: str, values: dict[str, str]) -> str:
    for name in re.findall(r"{(\w+)}", path):
        path = path.replace(f"{{{name}}}", urllib.parse.quote(values[name], safe=""))
    return path


def _call(client: httpx.Client, method: str, url: str, **options: Any) -> tuple[httpx.Response, list[str]]:
    """The answer, and what is wrong with it."""
    if method != "get" and "json" not in options:
        options["json"] = {}
    started = time.monotonic()
    response = client.request(method.upper(), url, **options)
    elapsed = time.monotonic() - started
    problems = []
    if response.status_code >= 500:
        problems.append(f"{response.status_code} {response.text[:200]}")
    if SQL_ERRORS.search(response.text):
        problems.append(f"a database error in the answer: {response.text[:200]}")
    if elapsed > FAST_SECONDS:
        problems.append(f"took {elapsed:.1f}s")
    return response, problems


def _rows(response: httpx.Response) -> int:
    """How much data an answer holds: the elements of every list in it (an echoed value adds none)."""

    def count(value: Any) -> int:
        if isinstance(value, list):
            return len(value) + sum(count(v) for v in value)
        if isinstance(value, dict):
            return sum(count(v) for v in value.values())
        return 0

    return count(response.json()) if response.is_success and "json" in response.headers.get("content-type", "") else 0


def _sweep(client: httpx.Client, method: str, request_of: Callable[[str], tuple[str, dict[str, Any]]]) -> list[str]:
    """Every hostile value against one parameter, each compared with a harmless value in its place.

    `request_of(value)` is the URL and the request's options (params, json) with `value` in the parameter.
    """
    url, options = request_of(HARMLESS)
    baseline, problems = _call(client, method, url, **options)
    found = [f"harmless: {p}" for p in problems]
    for value in HOSTILE:
        url, options = request_of(value)
        response, problems = _call(client, method, url, **options)
        if method == "get" and _rows(response) > _rows(baseline):
            problems.append(f"{_rows(response)} rows where a harmless value gets {_rows(baseline)}")
        found += [f"{value[:40]!r}: {p}" for p in problems]
    return found


@pytest.mark.parametrize("caller", ["owner", "stranger"])
def test_hostile_query_strings_get_clean_answers(
    document: dict[str, Any], estate: Estate, stranger: Tenant, survivors: None, caller: str
) -> None:
    # The owner sees whether a filter can be widened within its tenant; the stranger, who owns nothing, whether
    # it can be widened past the tenant.
    client, problems, swept = (estate.owner if caller == "owner" else stranger).client, [], 0
    for method, path, operation in _operations(document):
        if method != "get":
            continue
        url = _url(path, estate.values)
        for parameter in operation["parameters"]:
            if parameter["in"] == "query" and _is_text(parameter):
                name = parameter["name"]
                found = _sweep(client, "get", lambda v: (url, {"params": {name: v}}))  # noqa: B023 (used at once)
                problems += [f"GET {path}?{name}= {p}" for p in found]
                swept += 1
    assert swept > 50, swept
    assert not problems, "\n".join(problems)


def test_hostile_text_path_parameters_get_clean_answers(
    document: dict[str, Any], estate: Estate, survivors: None
) -> None:
    client, problems, swept = estate.owner.client, [], 0
    for method, path, operation in _operations(document):
        for parameter in operation["parameters"]:
            if parameter["in"] == "path" and _is_text(parameter):
                name = parameter["name"]
                body = {"json": PATH_BODIES.get((method, path), {})} if method != "get" else {}
                found = _sweep(
                    client,
                    method,
                    lambda v: (_url(path, {**estate.values, name: v}), body),  # noqa: B023 (used at once)
                )
                problems += [f"{method.upper()} {path} with {name}= {p}" for p in found]
                swept += 1
    assert swept > 20, swept
    assert not problems, "\n".join(problems)


def test_hostile_names_in_bodies_get_clean_answers(document: dict[str, Any], estate: Estate, survivors: None) -> None:
    client, problems = estate.owner.client, []
    schemas = document["components"]["schemas"]
    for method, path, operation in _operations(document):
        body_schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        if not body_schema:
            continue
        fields = schemas[body_schema["$ref"].rpartition("/")[2]] if "$ref" in body_schema else body_schema
        if not any(NAMES.search(field) for field in fields.get("properties", {})):
            continue
        assert (method, path) in BODIES, f"{method.upper()} {path} takes a name: add it to BODIES"
        field, base = BODIES[(method, path)]
        url = _url(path, {**estate.values, "workflow_run_id": estate.waiting_run_id})
        for value in (HARMLESS, *HOSTILE):
            named: Any = [value] if field == "event_types" else value
            _response, found = _call(client, method, url, json={**base(), field: named})
            problems += [f"{method.upper()} {path} with {field}={value[:40]!r}: {p}" for p in found]
    assert not problems, "\n".join(problems)


@pytest.fixture
def survivors(database_url: str, estate: Estate, stranger: Tenant) -> Iterator[None]:
    """After the test: both tenants are still in hwe.tenant, and A's resources are all there."""
    yield
    tenant_ids = sorted([estate.owner.tenant_id, stranger.tenant_id])
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT tenant_id FROM hwe.tenant WHERE tenant_id = ANY(%s)", (tenant_ids,)).fetchall()
    assert sorted(row[0] for row in rows) == tenant_ids
    assert stranger.client.get("/api/v1/workflows").status_code == 200
    estate.assert_intact()
