"""GET /api/v1/admin/audit-logs[/{log_id}]: the tenant's audit trail for admins, in the published SDK's shape."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.conftest import Tenant
from tests.workflow_examples import load

LIST = "/api/v1/admin/audit-logs"
RECORD_FIELDS = {
    "log_id",
    "action_type",
    "resource_type",
    "resource_id",
    "user_email",
    "event_type",
    "workflow_run_id",
    "attempt_run_id",
    "detail",
    "created_at",
}


def _submit(tenant: Tenant, example: str = "three_shell_steps") -> str:
    response = tenant.submit(load(example), {"name": "audit"})
    assert response.status_code == 201, response.text
    run_id: str = response.json()["data"]["workflow_run_id"]
    return run_id


def _page(tenant: Tenant, **params: object) -> dict[str, Any]:
    response = tenant.client.get(LIST, params=params)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "success"
    data: dict[str, Any] = response.json()["data"]
    return data


def _records(tenant: Tenant, **params: object) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = _page(tenant, **params)["audit_logs"]
    return records


def _runs(tenant: Tenant, **params: object) -> list[str]:
    """The runs the matching records are about, newest first, each once (a run has several records)."""
    return list(dict.fromkeys(record["workflow_run_id"] for record in _records(tenant, **params)))


def _bad_request(tenant: Tenant, **params: object) -> dict[str, Any]:
    response = tenant.client.get(LIST, params=params)
    assert response.status_code == 400, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == "error"
    return body


def test_a_completed_runs_records_are_listed_newest_first_in_the_sdk_shape(running_tenant: Tenant) -> None:
    run_id = _submit(running_tenant)
    running_tenant.wait_for_state(run_id, ("completed",))

    data = _page(running_tenant)

    assert set(data) == {"audit_logs", "total", "page", "per_page"}
    assert (data["total"], data["page"], data["per_page"]) == (3, 1, 50)
    completed, request, submitted = data["audit_logs"]
    assert [r["event_type"] for r in (completed, request, submitted)] == ["completed", "api_request", "submitted"]
    for record in (completed, request, submitted):
        assert set(record) == RECORD_FIELDS
        assert isinstance(record["log_id"], int)
        assert record["action_type"] == record["event_type"]
        assert record["resource_type"] == "workflow_run"
        assert record["resource_id"] == record["workflow_run_id"] == run_id
        assert record["user_email"] is None
    assert completed["attempt_run_id"] is not None
    assert completed["detail"] == {"attempt": 1}
    assert submitted["attempt_run_id"] is None
    assert submitted["detail"] == {"workflow_name": "three_shell_steps", "tasks": 3}
    assert request["detail"]["route"] == "/api/v1/workflows"
    assert (request["detail"]["method"], request["detail"]["outcome"]) == ("POST", "ok")
    assert running_tenant.key.startswith(f"hw_{request['detail']['key_prefix']}_")
    created = [datetime.datetime.fromisoformat(r["created_at"]) for r in (completed, request, submitted)]
    assert created == sorted(created, reverse=True)
    assert completed["log_id"] > request["log_id"] > submitted["log_id"]


def test_an_empty_tenant_lists_no_records(tenant: Tenant) -> None:
    assert _page(tenant) == {"audit_logs": [], "total": 0, "page": 1, "per_page": 50}


def test_workflow_run_id_and_resource_id_filter_one_runs_records(tenant: Tenant) -> None:
    first, second = _submit(tenant), _submit(tenant)

    assert _runs(tenant) == [second, first]
    assert _runs(tenant, workflow_run_id=first) == [first]
    assert _runs(tenant, resource_id=second) == [second]
    assert _runs(tenant, resource_type="workflow_run", resource_id=first.upper()) == [first]
    assert _runs(tenant, workflow_run_id=first, resource_id=second) == []


def test_event_type_and_its_sdk_name_action_type_filter_by_what_happened(tenant: Tenant) -> None:
    kept, cancelled = _submit(tenant), _submit(tenant)
    assert tenant.client.post(f"/api/v1/workflows/{cancelled}/cancel").status_code == 200

    assert _runs(tenant, event_type="cancelled") == [cancelled]
    assert _runs(tenant, action_type="cancelled") == [cancelled]
    assert _runs(tenant, action_type="submitted") == [cancelled, kept]
    assert _runs(tenant, event_type="cancelled", action_type="submitted") == []
    assert _page(tenant, event_type="cancelled")["total"] == 1


def test_resource_type_and_id_pick_the_records_about_one_kind_of_resource(tenant: Tenant) -> None:
    run_id = _submit(tenant)
    created = tenant.client.post("/api/v1/admin/api-keys", json={"name": "audit", "role": "viewer"})
    assert created.status_code == 201, created.text
    prefix = created.json()["data"]["key_prefix"].removeprefix("hw_")

    about_runs = _records(tenant, resource_type="workflow_run")
    about_keys = _records(tenant, resource_type="api_key")

    assert {r["workflow_run_id"] for r in about_runs} == {run_id}
    assert [(r["event_type"], r["resource_id"], r["workflow_run_id"]) for r in about_keys] == [
        ("api_request", None, None)
    ]
    assert about_keys[0]["detail"]["route"] == "/api/v1/admin/api-keys"
    assert "key" not in about_keys[0]["detail"] and prefix not in str(about_keys[0]["detail"])
    assert _page(tenant, resource_type="webhook")["total"] == 0
    assert _page(tenant, resource_id="hw_prefix")["total"] == 0


def test_user_email_matches_no_record_yet_and_is_not_an_error(tenant: Tenant) -> None:
    _submit(tenant)

    assert _page(tenant, user_email="ada@example.com") == {"audit_logs": [], "total": 0, "page": 1, "per_page": 50}


def test_start_and_end_date_bound_the_list_inclusively(tenant: Tenant) -> None:
    first, second, third = _submit(tenant), _submit(tenant), _submit(tenant)
    created = {record["workflow_run_id"]: record["created_at"] for record in _records(tenant)}

    assert _runs(tenant, start_date=created[second]) == [third, second]
    assert _runs(tenant, end_date=created[second]) == [second, first]
    assert _runs(tenant, start_date=created[second], end_date=created[second]) == [second]
    assert _page(tenant, start_date=created[second])["total"] == 4  # two runs, each submitted and its request


def test_dates_without_an_offset_are_read_as_utc(tenant: Tenant) -> None:
    run_id = _submit(tenant)
    created = datetime.datetime.fromisoformat(_records(tenant)[0]["created_at"])
    naive_utc = created.astimezone(datetime.UTC).replace(tzinfo=None).isoformat()
    with_an_offset = created.astimezone(datetime.timezone(datetime.timedelta(hours=1))).isoformat()

    assert _runs(tenant, start_date=naive_utc, end_date=naive_utc) == [run_id]
    assert _runs(tenant, start_date=with_an_offset, end_date=with_an_offset) == [run_id]


@pytest.mark.parametrize(
    ("params", "code", "named"),
    [
        ({"start_date": "yesterday"}, "invalid_start_date", "start_date"),
        ({"end_date": "2026-13-01T00:00:00"}, "invalid_end_date", "end_date"),
        ({"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "invalid_filter", "start_date"),
        ({"workflow_run_id": "not-a-uuid"}, "invalid_workflow_run_id", "workflow_run_id"),
        ({"page": "0"}, "invalid_page", "page"),
        ({"page": "-1"}, "invalid_page", "page"),
        ({"page": "1.5"}, "invalid_page", "page"),
        ({"page": "9" * 5000}, "invalid_page", "page"),
        ({"per_page": "0"}, "invalid_per_page", "per_page"),
        ({"per_page": "201"}, "invalid_per_page", "per_page"),
        ({"per_page": "²"}, "invalid_per_page", "per_page"),
        ({"limit": "10"}, "invalid_filter", "limit"),
        ({"workflow_id": "x"}, "invalid_filter", "workflow_id"),
    ],
)
def test_bad_parameters_answer_400_with_a_reason_naming_the_parameter(
    tenant: Tenant, params: dict[str, str], code: str, named: str
) -> None:
    body = _bad_request(tenant, **params)

    assert body["code"] == code
    assert named in body["message"]


def test_a_parameter_given_twice_answers_400(tenant: Tenant) -> None:
    response = tenant.client.get(f"{LIST}?page=1&page=2")

    assert response.status_code == 400
    assert "page" in response.json()["message"]


def test_pages_hold_per_page_records_and_total_counts_them_all(tenant: Tenant) -> None:
    submitted = [_submit(tenant) for _ in range(5)]  # each leaves two records: submitted, and its API request

    pages = [_page(tenant, page=page, per_page=3) for page in (1, 2, 3, 4, 5)]

    assert [len(page["audit_logs"]) for page in pages] == [3, 3, 3, 1, 0]
    assert {page["total"] for page in pages} == {10}
    assert [page["page"] for page in pages] == [1, 2, 3, 4, 5]
    assert {page["per_page"] for page in pages} == {3}
    listed = [record["workflow_run_id"] for page in pages for record in page["audit_logs"]]
    assert list(dict.fromkeys(listed)) == list(reversed(submitted))
    assert len(set(record["log_id"] for page in pages for record in page["audit_logs"])) == 10
    assert _page(tenant, per_page=200)["per_page"] == 200


def test_the_last_possible_page_is_empty_not_an_error(tenant: Tenant) -> None:
    _submit(tenant)

    assert _page(tenant, page=2147483647, per_page=200)["audit_logs"] == []


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_only_admins_read_audit_logs(tenant: Tenant, role: str) -> None:
    _submit(tenant)
    log_id = _records(tenant)[0]["log_id"]
    client = tenant.client_as(role)

    for path in (LIST, f"{LIST}/{log_id}"):
        response = client.get(path)
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "forbidden"
        assert "admin" in response.json()["message"]


def test_another_tenants_records_are_never_listed_and_their_ids_answer_404(
    make_tenant: Callable[[], Tenant],
) -> None:
    ours, theirs = make_tenant(), make_tenant()
    our_run, their_run = _submit(ours), _submit(theirs)
    their_log_id = _records(theirs)[0]["log_id"]

    assert _runs(ours) == [our_run]
    assert _runs(ours, workflow_run_id=their_run) == []
    response = ours.client.get(f"{LIST}/{their_log_id}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_one_record_is_read_by_its_log_id(tenant: Tenant) -> None:
    _submit(tenant)
    listed = _records(tenant)[0]

    response = tenant.client.get(f"{LIST}/{listed['log_id']}")

    assert response.status_code == 200, response.text
    assert response.json() == {"status": "success", "data": listed}


@pytest.mark.parametrize("log_id", ["999999999999", "0", "-1", "abc", "1.0", "9223372036854775808", "9" * 5000, "٣"])
def test_a_log_id_that_is_not_a_records_answers_404(tenant: Tenant, log_id: str) -> None:
    response = tenant.client.get(f"{LIST}/{log_id}")

    assert response.status_code == 404, response.text
    assert response.json()["code"] == "not_found"
    assert response.json()["request_id"]
