"""X-Idempotency-Key: one run per key and request."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, as_completed

from tests.integration.conftest import Tenant
from tests.workflow_examples import load


def test_same_key_and_body_return_the_same_run(tenant: Tenant) -> None:
    first = tenant.submit(load("three_shell_steps"), {"name": "a"}, idempotency_key="order-1")
    second = tenant.submit(load("three_shell_steps"), {"name": "a"}, idempotency_key="order-1")
    assert first.status_code == 201
    assert second.status_code == 201
    assert first.json()["data"]["workflow_run_id"] == second.json()["data"]["workflow_run_id"]


def test_same_key_with_a_different_body_is_409_with_the_existing_run(tenant: Tenant) -> None:
    first = tenant.submit(load("three_shell_steps"), {"name": "a"}, idempotency_key="order-2")
    second = tenant.submit(load("three_shell_steps"), {"name": "b"}, idempotency_key="order-2")
    assert second.status_code == 409
    assert second.json()["existing_run_id"] == first.json()["data"]["workflow_run_id"]


def test_different_keys_create_different_runs(tenant: Tenant) -> None:
    first = tenant.submit(load("three_shell_steps"), {"name": "a"}, idempotency_key="order-3")
    second = tenant.submit(load("three_shell_steps"), {"name": "a"}, idempotency_key="order-4")
    assert first.json()["data"]["workflow_run_id"] != second.json()["data"]["workflow_run_id"]


def test_the_same_key_in_two_tenants_creates_two_runs(make_tenant: object) -> None:
    one, two = make_tenant(), make_tenant()  # type: ignore[operator]
    first = one.submit(load("three_shell_steps"), {"name": "a"}, idempotency_key="shared")
    second = two.submit(load("three_shell_steps"), {"name": "a"}, idempotency_key="shared")
    assert first.json()["data"]["workflow_run_id"] != second.json()["data"]["workflow_run_id"]


def test_concurrent_duplicate_submissions_create_one_run(tenant: Tenant) -> None:
    pool = ThreadPoolExecutor(max_workers=8)
    try:
        futures = [pool.submit(tenant.submit, load("three_shell_steps"), {"name": "a"}, "burst") for _ in range(16)]
        responses = [future.result() for future in as_completed(futures, timeout=30)]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["data"]["workflow_run_id"] for r in responses}) == 1


def test_a_key_that_is_not_printable_ascii_is_400_and_submits_nothing(tenant: Tenant) -> None:
    for key in ("caf\xe9".encode("latin-1"), b"a" * 256):
        response = tenant.client.post(
            "/api/v1/workflows",
            json={"workflow_definition": load("three_shell_steps"), "inputs": {}},
            headers={"X-Idempotency-Key": key},  # type: ignore[dict-item]
        )
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "bad_idempotency_key"
    assert tenant.client.get("/api/v1/workflows").json()["data"]["items"] == []
