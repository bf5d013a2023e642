"""GET /api/v1/workflows: newest first, filters, and cursor pages that stay stable under inserts."""

from __future__ import annotations

import datetime
import threading

import pytest

from tests.integration.conftest import Tenant
from tests.workflow_examples import load


def _submit(tenant: Tenant, example: str = "three_shell_steps", name: str = "x") -> str:
    response = tenant.submit(load(example), {"name": name})
    assert response.status_code == 201, response.text
    run_id: str = response.json()["data"]["workflow_run_id"]
    return run_id


def _ids(tenant: Tenant, **params: object) -> list[str]:
    response = tenant.client.get("/api/v1/workflows", params=params)
    assert response.status_code == 200, response.text
    return [item["workflow_run_id"] for item in response.json()["data"]["items"]]


def _all_pages(tenant: Tenant, limit: int, on_page: object = None) -> list[str]:
    ids: list[str] = []
    cursor = None
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        data = tenant.client.get("/api/v1/workflows", params=params).json()["data"]
        ids += [item["workflow_run_id"] for item in data["items"]]
        if callable(on_page):
            on_page()
        cursor = data["next_cursor"]
        if cursor is None:
            return ids


def test_runs_are_listed_newest_first_with_their_summary(tenant: Tenant) -> None:
    first, second = _submit(tenant), _submit(tenant)
    response = tenant.client.get("/api/v1/workflows")
    items = response.json()["data"]["items"]
    assert [item["workflow_run_id"] for item in items] == [second, first]
    assert items[0]["workflow_name"] == "three_shell_steps"
    assert items[0]["state"] == "pending"
    assert items[0]["progress"] == {"completed": 0, "total": 3}
    assert response.json()["data"]["next_cursor"] is None


def test_an_empty_tenant_lists_no_runs(tenant: Tenant) -> None:
    assert tenant.client.get("/api/v1/workflows").json()["data"] == {"items": [], "next_cursor": None}


def test_pages_follow_the_cursor_until_it_is_null(tenant: Tenant) -> None:
    submitted = [_submit(tenant) for _ in range(5)]
    first_page = tenant.client.get("/api/v1/workflows", params={"limit": 2}).json()["data"]
    assert len(first_page["items"]) == 2
    assert first_page["next_cursor"]
    assert _all_pages(tenant, limit=2) == list(reversed(submitted))


def test_pages_stay_stable_while_runs_are_submitted(tenant: Tenant) -> None:
    existing = [_submit(tenant) for _ in range(12)]
    inserted: list[str] = []
    stop = threading.Event()

    def keep_submitting() -> None:
        while not stop.is_set() and len(inserted) < 30:
            inserted.append(_submit(tenant, name="late"))

    thread = threading.Thread(target=keep_submitting)
    thread.start()
    try:
        paged = _all_pages(tenant, limit=3)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert inserted, "no run was submitted while paging"
    assert len(paged) == len(set(paged))
    assert [run for run in paged if run in existing] == list(reversed(existing))
    assert set(paged) <= set(existing) | set(inserted)


def test_state_filter_lists_only_runs_in_that_state(running_tenant: Tenant) -> None:
    done = _submit(running_tenant)
    failed = _submit(running_tenant, "failing_second_step")
    running_tenant.wait_for_state(done)
    running_tenant.wait_for_state(failed)
    assert _ids(running_tenant, state="failed") == [failed]
    assert _ids(running_tenant, state="completed") == [done]
    assert _ids(running_tenant, state="pending") == []


def test_name_filter_lists_only_runs_of_that_workflow(tenant: Tenant) -> None:
    three = _submit(tenant)
    _submit(tenant, "failing_second_step")
    assert _ids(tenant, name="three_shell_steps") == [three]
    assert _ids(tenant, name="no_such_workflow") == []


def test_created_after_and_before_bound_the_list_exclusively(tenant: Tenant) -> None:
    first, second, third = _submit(tenant), _submit(tenant), _submit(tenant)
    created = {run: tenant.run(run)["created_at"] for run in (first, second, third)}
    assert _ids(tenant, created_after=created[first]) == [third, second]
    assert _ids(tenant, created_before=created[third]) == [second, first]
    assert _ids(tenant, created_after=created[first], created_before=created[third]) == [second]


def test_created_after_without_an_offset_is_read_as_utc(tenant: Tenant) -> None:
    run = _submit(tenant)
    created = datetime.datetime.fromisoformat(tenant.run(run)["created_at"]).astimezone(datetime.UTC)
    naive = (created - datetime.timedelta(seconds=1)).replace(tzinfo=None).isoformat()
    assert _ids(tenant, created_after=naive) == [run]


@pytest.mark.parametrize("limit", ["0", "201", "-1", "ten", "1.5"])
def test_limit_outside_1_to_200_is_400(tenant: Tenant, limit: str) -> None:
    response = tenant.client.get("/api/v1/workflows", params={"limit": limit})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_limit"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"state": "exploded"}, "invalid_state"),
        ({"created_after": "yesterday"}, "invalid_created_after"),
        ({"cursor": "not-a-cursor"}, "invalid_cursor"),
        ({"cursor": "W10"}, "invalid_cursor"),
    ],
)
def test_invalid_filter_or_cursor_is_400(tenant: Tenant, params: dict[str, str], code: str) -> None:
    response = tenant.client.get("/api/v1/workflows", params=params)
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_limit_200_is_accepted(tenant: Tenant) -> None:
    assert tenant.client.get("/api/v1/workflows", params={"limit": 200}).status_code == 200
