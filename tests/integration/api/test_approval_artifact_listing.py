"""Approvals listed and read, and artifacts listed, through the published SDK: per tenant, paged, with their limits."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

import highway_sdk
import pytest
from highway_sdk.exceptions import ApiException

from tests.integration.api.conftest import sdk_call
from tests.integration.conftest import Tenant, WorkerPool
from tests.workflow_examples import load


def _waiting_run(tenant: Tenant, order: str) -> str:
    run_id: str = tenant.submit(load("approval_gate"), {"order": order}).json()["data"]["workflow_run_id"]
    tenant.wait_for_state(run_id, ("waiting",), timeout=30)
    return run_id


def test_approvals_are_listed_and_read_waiting_then_decided(
    tenant: Tenant, make_tenant: Callable[[], Tenant], workers: WorkerPool, sdk_client: Any
) -> None:
    other = make_tenant()
    workers.start(tenant.queue)
    workers.start(other.queue)
    decided_run, waiting_run = _waiting_run(tenant, "o-1"), _waiting_run(tenant, "o-2")
    _waiting_run(other, "o-3")
    decided_key, waiting_key = f"{decided_run}:approve", f"{waiting_run}:approve"
    api = highway_sdk.ApprovalsApi(sdk_client("viewer"))
    before = sdk_call(api, "get_api_v1_approvalsapproval_key", decided_key)["data"]
    approved = tenant.client.post(f"/api/v1/approvals/{decided_key}/approve", json={"approver": "ada", "comment": "ok"})
    assert approved.status_code == 200, approved.text

    listing = sdk_call(api, "get_api_v1_approvals")["data"]
    pending = sdk_call(api, "get_api_v1_approvals", query={"status": "pending"})["data"]["items"]
    of_run = sdk_call(api, "get_api_v1_approvals", query={"workflow_run_id": decided_run})["data"]["items"]
    page = sdk_call(api, "get_api_v1_approvals", query={"limit": 1, "offset": 1})["data"]
    after = sdk_call(api, "get_api_v1_approvalsapproval_key", decided_key)["data"]

    assert before["status"] == "pending" and before["timeout_at"] and before["approver"] is None
    assert {item["approval_key"] for item in listing["items"]} == {decided_key, waiting_key}
    assert [item["approval_key"] for item in pending] == [waiting_key]
    assert [item["approval_key"] for item in of_run] == [decided_key]
    assert of_run[0] == after
    assert after["status"] == "approved" and after["approver"] == "ada" and after["comment"] == "ok"
    assert after["task_id"] == "approve" and after["workflow_run_id"] == decided_run and after["decided_at"]
    assert len(page["items"]) == 1 and (page["limit"], page["offset"]) == (1, 1)


def test_another_tenants_approval_is_404_and_bad_filters_are_400(
    tenant: Tenant, make_tenant: Callable[[], Tenant], workers: WorkerPool
) -> None:
    other = make_tenant()
    workers.start(other.queue)
    theirs = f"{_waiting_run(other, 'o-4')}:approve"

    assert tenant.client.get(f"/api/v1/approvals/{theirs}").status_code == 404
    assert tenant.client.get("/api/v1/approvals/not-a-key").status_code == 404
    assert tenant.client.get("/api/v1/approvals").json()["data"]["items"] == []
    for query in ("status=maybe", "workflow_run_id=nope", "limit=0", "limit=201", "offset=10001", "sort=asc"):
        assert tenant.client.get(f"/api/v1/approvals?{query}").status_code == 400, query


def _zip(name: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{name}.py", f"VALUE = {name!r}\n")
    return buffer.getvalue()


def test_artifacts_are_listed_by_id_page_by_page_per_tenant(
    tenant: Tenant, make_tenant: Callable[[], Tenant], sdk_client: Any
) -> None:
    other = make_tenant()
    ids = sorted(
        tenant.client.post("/api/v1/artifacts", files={"artifact": ("a.zip", _zip(n), "application/zip")}).json()[
            "artifact_id"
        ]
        for n in ("alpha", "beta", "gamma")
    )
    other.client.post("/api/v1/artifacts", files={"artifact": ("a.zip", _zip("delta"), "application/zip")})
    api = highway_sdk.ArtifactsApi(sdk_client("viewer"))

    everything = sdk_call(api, "get_api_v1_artifacts")["data"]
    first = sdk_call(api, "get_api_v1_artifacts", query={"limit": 2})["data"]
    rest = sdk_call(api, "get_api_v1_artifacts", query={"limit": 2, "cursor": first["next_cursor"]})["data"]

    assert [a["artifact_id"] for a in everything["items"]] == ids
    assert everything["next_cursor"] is None
    assert all(a["size"] > 0 and a["created_at"] for a in everything["items"])
    assert [a["artifact_id"] for a in first["items"] + rest["items"]] == ids
    assert rest["next_cursor"] is None
    for query in ({"limit": 0}, {"limit": 501}, {"cursor": "zz"}, {"order": "desc"}):
        with pytest.raises(ApiException) as refused:
            sdk_call(api, "get_api_v1_artifacts", query=query)
        assert refused.value.status == 400, query


def test_an_upload_replays_under_its_key_and_a_bad_decision_body_is_400(tenant: Tenant) -> None:
    files = {"artifact": ("a.zip", _zip("keyed"), "application/zip")}
    headers = {"X-Idempotency-Key": "upload-1"}
    first = tenant.client.post("/api/v1/artifacts", files=files, headers=headers)
    again = tenant.client.post("/api/v1/artifacts", files=files, headers=headers)
    other = tenant.client.post(
        "/api/v1/artifacts", files={"artifact": ("b.zip", _zip("other"), "application/zip")}, headers=headers
    )
    key = f"{tenant.submit(load('approval_gate'), {'order': 'x'}).json()['data']['workflow_run_id']}:approve"

    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    assert other.status_code == 409
    assert tenant.client.post(f"/api/v1/approvals/{key}/approve", json={"approver": 7}).status_code == 400
    assert tenant.client.post(f"/api/v1/approvals/{key}/reject", json={"comment": "c" * 2001}).status_code == 400
