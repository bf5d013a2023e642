"""The app marketplace through the published SDK: apps, versions (draft → published → deprecated), categories."""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Callable
from typing import Any

import highway_sdk
import pytest
from highway_sdk.exceptions import ApiException

from tests.integration.api.conftest import sdk_call
from tests.integration.conftest import Tenant

Sdk = Callable[[str], highway_sdk.ApiClient]


def apps_api(tenant: Tenant, role: str = "admin") -> highway_sdk.AppsApi:
    """The SDK's AppsApi with a new key of `role` for `tenant`."""
    assert tenant.new_key is not None
    return highway_sdk.AppsApi(
        highway_sdk.ApiClient(highway_sdk.Configuration(host=tenant.api_url, access_token=tenant.new_key(role)))
    )


def upload_artifact(tenant: Tenant, text: str = "def version(ctx):\n    return 'v1'\n") -> str:
    """Uploads a small archive of code for the tenant; returns its id."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("demo_app/actions.py", text)
    response = tenant.client.post(
        "/api/v1/artifacts", files={"artifact": ("a.zip", buffer.getvalue(), "application/zip")}
    )
    assert response.status_code == 201, response.text
    artifact_id: str = response.json()["artifact_id"]
    return artifact_id


def new_app(api: highway_sdk.AppsApi, **fields: Any) -> dict[str, Any]:
    """Registers an app under a new publisher name; returns it."""
    body = {"publisher": f"p{uuid.uuid4().hex[:12]}", "app_name": "crm", **fields}
    data: dict[str, Any] = sdk_call(api, "post_api_v1_apps", body=body)["data"]
    return data


def new_version(api: highway_sdk.AppsApi, app_id: str, artifact_id: str, version: str, **fields: Any) -> Any:
    """Adds a draft version with one action `lookup`; returns it."""
    body = {
        "version": version,
        "artifact_id": artifact_id,
        "actions": {"lookup": {"function": "demo_app.actions.version", "description": "finds a customer"}},
        **fields,
    }
    return sdk_call(api, "post_api_v1_appsapp_id_versions", app_id, body=body)["data"]


def status_of(call: Callable[[], Any]) -> int:
    """The HTTP status of a call the test expects to be refused."""
    with pytest.raises(ApiException) as refused:
        call()
    status: int = refused.value.status
    return status


def refused(api: Any, operation: str, *path_args: str, **options: Any) -> int:
    """The HTTP status of an SDK operation the test expects to be refused."""
    return status_of(lambda: sdk_call(api, operation, *path_args, **options))


def test_an_app_goes_from_draft_to_published_to_deprecated_and_shows_its_newest_version(
    tenant: Tenant, sdk_client: Sdk
) -> None:
    api = highway_sdk.AppsApi(sdk_client("admin"))
    app = new_app(api, display_name="CRM", category="crm", tags=["sales", "crm"])
    artifact_id = upload_artifact(tenant)
    first = new_version(api, app["app_id"], artifact_id, "1.0.0", required_secrets=["api_key"])
    assert (app["owned"], app["latest_version"], app["versions"]) == (True, None, [])
    assert (first["state"], first["required_secrets"], first["published_at"]) == ("draft", ["api_key"], None)

    published = sdk_call(api, "post_api_v1_appsapp_id_versionsversion_id_publish", app["app_id"], first["version_id"])
    second = new_version(api, app["app_id"], artifact_id, "1.10.0")
    sdk_call(api, "post_api_v1_appsapp_id_versionsversion_id_publish", app["app_id"], second["version_id"])
    deprecated = sdk_call(
        api, "post_api_v1_appsapp_id_versionsversion_id_deprecate", app["app_id"], first["version_id"]
    )
    draft = new_version(api, app["app_id"], artifact_id, "1.9.0")

    assert published["data"]["state"] == "published" and published["data"]["published_at"]
    assert deprecated["data"]["state"] == "deprecated" and deprecated["data"]["deprecated_at"]
    read = sdk_call(api, "get_api_v1_appsapp_id", app["app_id"])["data"]
    assert read["latest_version"] == "1.10.0"
    assert [v["version"] for v in read["versions"]] == ["1.10.0", "1.9.0", "1.0.0"]
    versions = sdk_call(api, "get_api_v1_appsapp_id_versions", app["app_id"])["data"]["items"]
    assert [v["state"] for v in versions] == ["published", "draft", "deprecated"]
    one = sdk_call(api, "get_api_v1_appsapp_id_versionsversion_id", app["app_id"], draft["version_id"])["data"]
    assert (one["version"], one["publisher"], one["actions"]["lookup"]["function"]) == (
        "1.9.0",
        app["publisher"],
        "demo_app.actions.version",
    )
    assert read["tags"] == ["crm", "sales"]


def test_a_version_moves_only_forward_and_names_are_unique(tenant: Tenant, sdk_client: Sdk) -> None:
    api = highway_sdk.AppsApi(sdk_client("admin"))
    app = new_app(api)
    artifact_id = upload_artifact(tenant)
    version = new_version(api, app["app_id"], artifact_id, "1.0.0")
    ids = (app["app_id"], version["version_id"])

    assert status_of(lambda: sdk_call(api, "post_api_v1_appsapp_id_versionsversion_id_deprecate", *ids)) == 409
    sdk_call(api, "post_api_v1_appsapp_id_versionsversion_id_publish", *ids)
    assert status_of(lambda: sdk_call(api, "post_api_v1_appsapp_id_versionsversion_id_publish", *ids)) == 409
    assert status_of(lambda: new_version(api, app["app_id"], artifact_id, "1.0.0")) == 409
    same_name = {"publisher": app["publisher"], "app_name": "crm"}
    assert status_of(lambda: sdk_call(api, "post_api_v1_apps", body=same_name)) == 409


def test_a_publisher_name_belongs_to_the_tenant_that_used_it_first(make_tenant: Any, sdk_client: Sdk) -> None:
    mine = new_app(highway_sdk.AppsApi(sdk_client("admin")))
    other = apps_api(make_tenant())

    body = {"publisher": mine["publisher"], "app_name": "other"}
    with pytest.raises(ApiException) as refused:
        sdk_call(other, "post_api_v1_apps", body=body)

    assert refused.value.status == 409
    assert '"publisher_taken"' in str(refused.value.body)


def test_the_marketplace_shows_public_apps_to_every_tenant_and_private_ones_to_nobody_else(
    tenant: Tenant, make_tenant: Any, sdk_client: Sdk
) -> None:
    api = highway_sdk.AppsApi(sdk_client("admin"))
    category = f"c{uuid.uuid4().hex[:12]}"
    public = new_app(api, visibility="public", category=category, description="Sends invoices")
    private = new_app(api, category=category)
    artifact_id = upload_artifact(tenant)
    for app in (public, private):
        version = new_version(api, app["app_id"], artifact_id, "2.0.0")
        sdk_call(api, "post_api_v1_appsapp_id_versionsversion_id_publish", app["app_id"], version["version_id"])
    new_version(api, public["app_id"], artifact_id, "3.0.0")  # a draft: only the owner sees it
    other = apps_api(make_tenant(), "viewer")

    shown = sdk_call(other, "get_api_v1_apps_marketplace", query={"category": category})["data"]
    searched = sdk_call(other, "get_api_v1_apps_marketplace", query={"search": "INVOICES", "page_size": 100})["data"]
    seen = sdk_call(other, "get_api_v1_appsapp_id", public["app_id"])["data"]
    categories = sdk_call(other, "get_api_v1_apps_categories")["data"]["items"]
    own_categories = sdk_call(api, "get_api_v1_apps_categories")["data"]["items"]

    assert [(a["app_id"], a["latest_version"], a["install_count"]) for a in shown["items"]] == [
        (public["app_id"], "2.0.0", 0)
    ]
    assert (shown["page"], shown["page_size"], shown["has_more"]) == (1, 20, False)
    assert public["app_id"] in [a["app_id"] for a in searched["items"]]
    assert (seen["owned"], [v["version"] for v in seen["versions"]]) == (False, ["2.0.0"])
    assert {"category": category, "app_count": 1} in categories
    assert {"category": category, "app_count": 2} in own_categories
    assert status_of(lambda: sdk_call(other, "get_api_v1_appsapp_id", private["app_id"])) == 404
    assert sdk_call(other, "get_api_v1_apps", query={"category": category})["data"]["items"] == []
    listed = sdk_call(api, "get_api_v1_apps", query={"category": category, "visibility": "private"})["data"]
    assert [a["app_id"] for a in listed["items"]] == [private["app_id"]]


def test_another_tenant_can_neither_change_an_app_nor_see_its_drafts(
    tenant: Tenant, make_tenant: Any, sdk_client: Sdk
) -> None:
    api = highway_sdk.AppsApi(sdk_client("admin"))
    app = new_app(api, visibility="public")
    draft = new_version(api, app["app_id"], upload_artifact(tenant), "1.0.0")
    other_tenant = make_tenant()
    other = apps_api(other_tenant)
    ids = (app["app_id"], draft["version_id"])

    refusals = [
        status_of(lambda: sdk_call(other, "patch_api_v1_appsapp_id", app["app_id"], body={"description": "mine"})),
        status_of(lambda: sdk_call(other, "delete_api_v1_appsapp_id", app["app_id"])),
        status_of(lambda: new_version(other, app["app_id"], upload_artifact(other_tenant), "9.0.0")),
        status_of(lambda: sdk_call(other, "post_api_v1_appsapp_id_versionsversion_id_publish", *ids)),
        status_of(lambda: sdk_call(other, "get_api_v1_appsapp_id_versionsversion_id", *ids)),
    ]

    assert refusals == [404] * 5
    assert sdk_call(other, "get_api_v1_appsapp_id_versions", app["app_id"])["data"]["items"] == []
    assert sdk_call(api, "get_api_v1_appsapp_id", app["app_id"])["data"]["description"] == ""


def test_updating_changes_only_the_fields_given_and_deleting_hides_the_app(tenant: Tenant, sdk_client: Sdk) -> None:
    api = highway_sdk.AppsApi(sdk_client("admin"))
    app = new_app(api, description="old", homepage_url="https://example.invalid/crm")

    changed = sdk_call(
        api, "patch_api_v1_appsapp_id", app["app_id"], body={"display_name": "New", "homepage_url": None}
    )
    deleted = sdk_call(api, "delete_api_v1_appsapp_id", app["app_id"])

    assert (changed["data"]["display_name"], changed["data"]["description"]) == ("New", "old")
    assert changed["data"]["homepage_url"] is None
    assert deleted["data"] == {"app_id": app["app_id"], "deleted": True}
    assert status_of(lambda: sdk_call(api, "get_api_v1_appsapp_id", app["app_id"])) == 404
    assert status_of(lambda: sdk_call(api, "delete_api_v1_appsapp_id", app["app_id"])) == 404
    assert app["app_id"] not in [a["app_id"] for a in sdk_call(api, "get_api_v1_apps")["data"]["items"]]


BAD_APPS = [
    {"publisher": "Acme Inc", "app_name": "crm"},
    {"publisher": "acme", "app_name": "crm", "visibility": "everyone"},
    {"publisher": "acme", "app_name": "crm", "tags": ["Not A Tag"]},
    {"publisher": "acme", "app_name": "crm", "icon_url": "javascript:alert(1)"},
    {"app_name": "crm"},
]


@pytest.mark.parametrize("body", BAD_APPS, ids=[str(i) for i in range(len(BAD_APPS))])
def test_a_bad_app_is_refused_with_a_reason(sdk_client: Sdk, body: dict[str, Any]) -> None:
    with pytest.raises(ApiException) as refused:
        sdk_call(highway_sdk.AppsApi(sdk_client("admin")), "post_api_v1_apps", body=body)

    assert refused.value.status == 400
    assert '"invalid_app"' in str(refused.value.body)


def test_a_bad_version_or_query_is_refused_with_a_reason(tenant: Tenant, make_tenant: Any, sdk_client: Sdk) -> None:
    api = highway_sdk.AppsApi(sdk_client("admin"))
    app_id = new_app(api)["app_id"]
    mine, foreign = upload_artifact(tenant), upload_artifact(make_tenant(), "def other(ctx):\n    return 2\n")
    lookup = {"lookup": {"function": "demo_app.actions.version"}}
    bad_versions = [
        {"version": "1.0", "artifact_id": mine, "actions": lookup},
        {"version": "1.0.0", "artifact_id": foreign, "actions": lookup},
        {"version": "1.0.0", "artifact_id": mine, "actions": {"lookup": {"function": "not a function"}}},
        {"version": "1.0.0", "artifact_id": mine, "actions": {}},
        {"version": "1.0.0", "artifact_id": mine, "actions": lookup, "configuration_schema": {"oneOf": []}},
        {"version": "1.0.0", "artifact_id": mine, "actions": lookup, "required_secrets": ["/etc/passwd"]},
    ]

    for body in bad_versions:
        assert refused(api, "post_api_v1_appsapp_id_versions", app_id, body=body) == 400, body
    for query in ({"page_size": "101"}, {"page": "0"}, {"visibility": "all"}, {"sort": "name"}):
        assert refused(api, "get_api_v1_apps", query=query) == 400, query
    assert status_of(lambda: sdk_call(api, "get_api_v1_apps_marketplace", query={"page_size": "x"})) == 400
    assert status_of(lambda: sdk_call(api, "get_api_v1_appsapp_id", "not-a-uuid")) == 404
    assert sdk_call(api, "get_api_v1_appsapp_id_versions", app_id)["data"]["items"] == []


def test_publishing_needs_the_admin_role_and_reading_the_viewer_role(tenant: Tenant, sdk_client: Sdk) -> None:
    app = new_app(highway_sdk.AppsApi(sdk_client("admin")))
    viewer, operator = highway_sdk.AppsApi(sdk_client("viewer")), highway_sdk.AppsApi(sdk_client("operator"))

    assert sdk_call(viewer, "get_api_v1_appsapp_id", app["app_id"])["data"]["app_id"] == app["app_id"]
    assert status_of(lambda: new_app(operator)) == 403
    assert status_of(lambda: sdk_call(viewer, "patch_api_v1_appsapp_id", app["app_id"], body={})) == 403
    assert status_of(lambda: sdk_call(operator, "delete_api_v1_appsapp_id", app["app_id"])) == 403


def test_an_idempotency_key_answers_a_repeated_registration_the_same(sdk_client: Sdk) -> None:
    api = highway_sdk.AppsApi(sdk_client("admin"))
    body = {"publisher": f"p{uuid.uuid4().hex[:12]}", "app_name": "crm"}
    key = {"X-Idempotency-Key": uuid.uuid4().hex}

    first = sdk_call(api, "post_api_v1_apps", body=body, headers=key)
    again = sdk_call(api, "post_api_v1_apps", body=body, headers=key)

    assert first == again
    assert status_of(lambda: sdk_call(api, "post_api_v1_apps", body={**body, "app_name": "x"}, headers=key)) == 409
