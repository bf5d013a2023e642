"""Stored definitions: versioned by content per tenant, read by name/version or hash, submitted by name."""

from __future__ import annotations

import copy
import hashlib
import json
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

import httpx
import psycopg
import pytest
from psycopg.types.json import Jsonb

from tests.integration.conftest import Tenant, wait_until
from tests.workflow_examples import load

DEFINITIONS = "/api/v1/workflows/definitions"
WORKFLOWS = "/api/v1/workflows"


def _store(client: httpx.Client, definition: dict[str, Any]) -> httpx.Response:
    return client.post(DEFINITIONS, json={"workflow_definition": definition})


def _changed(definition: dict[str, Any], text: str) -> dict[str, Any]:
    changed = copy.deepcopy(definition)
    changed["tasks"]["greet"]["args"] = [f"printf {text}"]
    return changed


def _canonical_hash(definition: dict[str, Any]) -> str:
    text = json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def test_storing_a_new_definition_answers_201_with_version_1_and_its_content_hash(tenant: Tenant) -> None:
    definition = load("three_shell_steps")

    response = _store(tenant.client, definition)

    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert (data["workflow_name"], data["version"], data["created"]) == ("three_shell_steps", 1, True)
    assert data["definition_hash"] == data["definition_id"] == _canonical_hash(definition)
    assert data["definition_json"] == definition


def test_storing_the_same_content_again_answers_200_with_the_same_version(tenant: Tenant) -> None:
    definition = load("three_shell_steps")
    _store(tenant.client, definition)
    _store(tenant.client, _changed(definition, "two"))

    again = _store(tenant.client, definition)

    assert again.status_code == 200
    assert (again.json()["data"]["version"], again.json()["data"]["created"]) == (1, False)


def test_new_content_under_a_stored_name_becomes_the_next_version(tenant: Tenant) -> None:
    definition = load("three_shell_steps")
    versions = [_store(tenant.client, _changed(definition, t)).json()["data"]["version"] for t in ("a", "b", "c")]

    assert versions == [1, 2, 3]


def _store_all_at_once(client: httpx.Client, bodies: list[dict[str, Any]]) -> list[httpx.Response]:
    pool = ThreadPoolExecutor(max_workers=8)
    try:
        futures = [pool.submit(_store, client, body) for body in bodies]
        return [future.result() for future in as_completed(futures, timeout=30)]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def test_the_same_content_stored_at_once_many_times_is_one_version(tenant: Tenant) -> None:
    responses = _store_all_at_once(tenant.client, [load("three_shell_steps")] * 8)

    assert sorted(r.status_code for r in responses) == [200] * 7 + [201]
    assert {r.json()["data"]["version"] for r in responses} == {1}


def test_different_contents_stored_at_once_under_one_name_get_consecutive_versions(tenant: Tenant) -> None:
    bodies = [_changed(load("three_shell_steps"), f"v{i}") for i in range(8)]

    responses = _store_all_at_once(tenant.client, bodies)

    assert {r.status_code for r in responses} == {201}
    assert sorted(r.json()["data"]["version"] for r in responses) == list(range(1, 9))


def _version_taken_uncommitted(database_url: str, tenant_id: str, text: str) -> psycopg.Connection[Any]:
    """A connection whose open transaction stored version 2 of three_shell_steps, as a run's submission does."""
    holder = psycopg.connect(database_url)
    holder.execute(
        "INSERT INTO hwe.workflow_definition (tenant_id, name, version, content_hash, definition)"
        " VALUES (%s, 'three_shell_steps', 2, %s, %s)",
        (tenant_id, hashlib.sha256(text.encode()).hexdigest(), Jsonb({"name": "three_shell_steps"})),
    )
    return holder


def _wait_for_a_waiting_lock(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as watcher:
        wait_until(
            lambda: watcher.execute("SELECT count(*) FROM pg_locks WHERE NOT granted").fetchone() != (0,),
            10,
            "the store to wait on the uncommitted version",
        )


@pytest.mark.parametrize("submission_then", ["commits", "rolls_back"])
def test_a_store_meeting_a_version_a_submission_is_committing_takes_the_next_one(
    tenant: Tenant, database_url: str, submission_then: str
) -> None:
    _store(tenant.client, _changed(load("three_shell_steps"), "v1"))
    holder = _version_taken_uncommitted(database_url, tenant.tenant_id, "a submitted content")
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        storing = pool.submit(_store, tenant.client, _changed(load("three_shell_steps"), "v3"))
        _wait_for_a_waiting_lock(database_url)
        holder.commit() if submission_then == "commits" else holder.rollback()
        response = storing.result(timeout=30)
    finally:
        holder.close()
        pool.shutdown(wait=False, cancel_futures=True)

    assert response.status_code == 201, response.text
    assert response.json()["data"]["version"] == (3 if submission_then == "commits" else 2)


def test_versions_are_counted_per_tenant(make_tenant: Any) -> None:
    first, second = make_tenant(), make_tenant()
    definition = load("three_shell_steps")
    _store(first.client, _changed(definition, "x"))

    response = _store(second.client, definition)

    assert response.json()["data"]["version"] == 1


def test_list_shows_every_stored_version_by_name_newest_first_without_json(tenant: Tenant) -> None:
    _store(tenant.client, _changed(load("three_shell_steps"), "a"))
    _store(tenant.client, _changed(load("three_shell_steps"), "b"))
    _store(tenant.client, load("failing_second_step"))

    items = tenant.client.get(DEFINITIONS).json()["data"]["items"]

    assert [(i["workflow_name"], i["version"]) for i in items] == [
        ("failing_second_step", 1),
        ("three_shell_steps", 2),
        ("three_shell_steps", 1),
    ]
    assert all("definition_json" not in i and len(i["definition_hash"]) == 64 for i in items)


def test_list_name_filter_shows_only_that_name(tenant: Tenant) -> None:
    _store(tenant.client, load("three_shell_steps"))
    _store(tenant.client, load("failing_second_step"))

    items = tenant.client.get(DEFINITIONS, params={"name": "failing_second_step"}).json()["data"]["items"]

    assert [i["workflow_name"] for i in items] == ["failing_second_step"]


def test_a_version_is_read_by_name_and_number(tenant: Tenant) -> None:
    definition = load("three_shell_steps")
    _store(tenant.client, definition)
    _store(tenant.client, _changed(definition, "v2"))

    response = tenant.client.get(f"{WORKFLOWS}/three_shell_steps/versions/1")

    assert response.status_code == 200
    assert response.json()["data"]["definition_json"] == definition


def test_an_unknown_name_or_version_answers_404(tenant: Tenant) -> None:
    _store(tenant.client, load("three_shell_steps"))

    for path in ("three_shell_steps/versions/2", "nope/versions/1", "three_shell_steps/versions/one"):
        response = tenant.client.get(f"{WORKFLOWS}/{path}")
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"


def test_a_definition_is_read_by_its_content_hash(tenant: Tenant) -> None:
    stored = _store(tenant.client, load("three_shell_steps")).json()["data"]

    response = tenant.client.get(f"{WORKFLOWS}/by-hash/{stored['definition_hash']}")

    assert response.status_code == 200
    assert (response.json()["data"]["workflow_name"], response.json()["data"]["version"]) == ("three_shell_steps", 1)


def test_an_unknown_or_malformed_hash_answers_404(tenant: Tenant) -> None:
    assert tenant.client.get(f"{WORKFLOWS}/by-hash/{'0' * 64}").status_code == 404
    assert tenant.client.get(f"{WORKFLOWS}/by-hash/xyz").status_code == 404


def test_another_tenants_definitions_are_neither_listed_nor_readable(make_tenant: Any) -> None:
    owner, other = make_tenant(), make_tenant()
    stored = _store(owner.client, load("three_shell_steps")).json()["data"]

    assert other.client.get(DEFINITIONS).json()["data"]["items"] == []
    assert other.client.get(f"{WORKFLOWS}/by-hash/{stored['definition_hash']}").status_code == 404
    assert other.client.get(f"{WORKFLOWS}/three_shell_steps/versions/1").status_code == 404


def test_an_invalid_definition_is_refused_with_the_task_and_field_and_not_stored(tenant: Tenant) -> None:
    definition = load("three_shell_steps")
    definition["tasks"]["combine"]["function"] = "tools.nope.run"

    response = _store(tenant.client, definition)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_workflow"
    assert "combine" in response.json()["message"]
    assert "function" in response.json()["message"]
    assert tenant.client.get(DEFINITIONS).json()["data"]["items"] == []


def test_storing_without_a_workflow_definition_field_is_400(tenant: Tenant) -> None:
    response = tenant.client.post(DEFINITIONS, json={})

    assert response.status_code == 400
    assert response.json()["code"] == "missing_field"


def test_storing_under_a_misspelt_workflow_definition_field_is_400_naming_the_field_meant(tenant: Tenant) -> None:
    response = tenant.client.post(DEFINITIONS, json={"definition": {}})

    assert response.status_code == 400
    assert response.json()["code"] == "unknown_field"
    assert "did you mean 'workflow_definition'?" in response.json()["message"]


def test_a_viewer_may_read_but_not_store_definitions(tenant: Tenant) -> None:
    viewer = tenant.client_as("viewer")

    assert _store(viewer, load("three_shell_steps")).status_code == 403
    assert viewer.get(DEFINITIONS).status_code == 200


def test_submitting_by_name_runs_the_latest_stored_version(running_tenant: Tenant) -> None:
    _store(running_tenant.client, load("three_shell_steps"))
    _store(running_tenant.client, _changed(load("three_shell_steps"), "latest"))

    response = running_tenant.client.post(
        "/api/v1/workflows", json={"definition_name": "three_shell_steps", "inputs": {"name": "n"}}
    )
    run = running_tenant.wait_for_state(response.json()["data"]["workflow_run_id"])

    assert response.status_code == 201, response.text
    assert run["state"] == "completed"
    assert run["result"]["output"]["stdout"] == "LATEST N"


def test_submitting_by_name_and_version_runs_that_version(running_tenant: Tenant) -> None:
    _store(running_tenant.client, load("three_shell_steps"))
    _store(running_tenant.client, _changed(load("three_shell_steps"), "latest"))

    response = running_tenant.client.post(
        "/api/v1/workflows",
        json={"definition_name": "three_shell_steps", "definition_version": 1, "inputs": {"name": "n"}},
    )
    run = running_tenant.wait_for_state(response.json()["data"]["workflow_run_id"])

    assert run["result"]["output"]["stdout"] == "HELLO N"


def test_a_run_stays_pinned_to_the_version_it_started_with(tenant: Tenant) -> None:
    _store(tenant.client, load("three_shell_steps"))
    submitted = tenant.client.post("/api/v1/workflows", json={"definition_name": "three_shell_steps"})
    run_id = submitted.json()["data"]["workflow_run_id"]
    newer = load("three_shell_steps")
    newer["tasks"]["extra"] = {**newer["tasks"]["shout"], "task_id": "extra", "dependencies": ["shout"]}
    _store(tenant.client, newer)

    steps = tenant.client.get(f"/api/v1/workflows/{run_id}/steps").json()["data"]["items"]

    assert [s["task_id"] for s in steps] == ["greet", "combine", "shout"]


def test_submitting_an_unknown_stored_name_or_version_answers_404(tenant: Tenant) -> None:
    _store(tenant.client, load("three_shell_steps"))

    unknown_name = tenant.client.post("/api/v1/workflows", json={"definition_name": "nope"})
    unknown_version = tenant.client.post(
        "/api/v1/workflows", json={"definition_name": "three_shell_steps", "definition_version": 9}
    )

    assert (unknown_name.status_code, unknown_version.status_code) == (404, 404)


def test_submitting_both_a_definition_and_a_stored_name_is_400(tenant: Tenant) -> None:
    response = tenant.client.post(
        "/api/v1/workflows",
        json={"definition_name": "three_shell_steps", "workflow_definition": load("three_shell_steps")},
    )

    assert response.status_code == 400
    assert response.json()["code"] == "conflicting_fields"


def test_submitting_a_stored_name_with_a_version_that_is_not_a_positive_integer_is_400(tenant: Tenant) -> None:
    for version in ("1", 0, True, 1.5):
        response = tenant.client.post(
            "/api/v1/workflows", json={"definition_name": "three_shell_steps", "definition_version": version}
        )
        assert response.status_code == 400, version
        assert response.json()["code"] == "invalid_field"
