"""A tenant's installations through the published SDK: install, enable, disable, upgrade, config, secrets, logs."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import highway_sdk
import pytest
from highway_sdk.exceptions import ApiException

from tests.integration.api.conftest import sdk_call
from tests.integration.api.test_apps_api import apps_api, new_app, new_version, refused, status_of, upload_artifact
from tests.integration.conftest import Tenant

Sdk = Callable[[str], highway_sdk.ApiClient]
SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "region": {"type": "string", "enum": ["eu", "us"]},
        "retries": {"type": "integer", "minimum": 0, "maximum": 5},
    },
}


def published_app(owner: Tenant, visibility: str = "private", **version_fields: Any) -> tuple[dict[str, Any], Any]:
    """An app of `owner` with a published 1.0.0 that needs the secret api_key; returns the app and its AppsApi."""
    api = apps_api(owner)
    app = new_app(api, visibility=visibility, category="crm")
    fields = {"required_secrets": ["api_key"], "configuration_schema": SCHEMA, **version_fields}
    version = new_version(api, app["app_id"], upload_artifact(owner), "1.0.0", **fields)
    sdk_call(api, "post_api_v1_appsapp_id_versionsversion_id_publish", app["app_id"], version["version_id"])
    return app, api


def publish(api: Any, app: dict[str, Any], owner: Tenant, version: str, **fields: Any) -> dict[str, Any]:
    """Publishes another version of the app; returns it."""
    made = new_version(api, app["app_id"], upload_artifact(owner), version, **fields)
    published: dict[str, Any] = sdk_call(
        api, "post_api_v1_appsapp_id_versionsversion_id_publish", app["app_id"], made["version_id"]
    )["data"]
    return published


def install(api: highway_sdk.TenantAppsApi, app_id: str, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = sdk_call(api, "post_api_v1_tenant_apps", body={"app_id": app_id, **fields})["data"]
    return data


def test_an_installed_app_gives_the_tenant_its_tools_until_it_is_disabled(tenant: Tenant, sdk_client: Sdk) -> None:
    app, _ = published_app(tenant)
    api = highway_sdk.TenantAppsApi(sdk_client("admin"))

    installed = install(api, app["app_id"], configuration={"region": "eu"})
    installation_id = installed["installation_id"]
    tools = sdk_call(api, "get_api_v1_tenant_apps_tools")["data"]["items"]
    disabled = sdk_call(api, "post_api_v1_tenant_appsinstallation_id_disable", installation_id)["data"]
    tools_when_disabled = sdk_call(api, "get_api_v1_tenant_apps_tools")["data"]["items"]
    listed = sdk_call(api, "get_api_v1_tenant_apps", query={"status": "disabled"})["data"]
    enabled = sdk_call(api, "post_api_v1_tenant_appsinstallation_id_enable", installation_id)["data"]

    assert (installed["status"], installed["version"], installed["missing_secrets"]) == (
        "enabled",
        "1.0.0",
        ["api_key"],
    )
    assert [(t["tool"], t["description"], t["installation_id"]) for t in tools] == [
        (f"apps.{app['publisher']}.crm.lookup", "finds a customer", installation_id)
    ]
    assert (disabled["status"], tools_when_disabled) == ("disabled", [])
    assert [i["installation_id"] for i in listed["items"]] == [installation_id]
    assert enabled["status"] == "enabled"
    read = sdk_call(api, "get_api_v1_tenant_appsinstallation_id", installation_id)["data"]
    assert (read["publisher"], read["app_name"], read["category"]) == (app["publisher"], "crm", "crm")
    assert sdk_call(api, "get_api_v1_tenant_apps", query={"status": "disabled"})["data"]["items"] == []
    assert status_of(lambda: sdk_call(api, "post_api_v1_tenant_appsinstallation_id_enable", installation_id)) == 409


def test_installing_needs_a_published_version_and_a_configuration_the_schema_accepts(
    tenant: Tenant, sdk_client: Sdk
) -> None:
    app, apps = published_app(tenant)
    api = highway_sdk.TenantAppsApi(sdk_client("admin"))
    draft = new_version(apps, app["app_id"], upload_artifact(tenant), "2.0.0")
    unpublished = new_app(apps)

    assert status_of(lambda: install(api, app["app_id"], version_id=draft["version_id"])) == 409
    assert status_of(lambda: install(api, unpublished["app_id"])) == 409
    assert status_of(lambda: install(api, app["app_id"], configuration={"region": "mars"})) == 400
    assert status_of(lambda: install(api, app["app_id"], configuration={"colour": "red"})) == 400
    assert status_of(lambda: install(api, "not-a-uuid")) == 400
    assert status_of(lambda: install(api, str(uuid.uuid4()))) == 404
    install(api, app["app_id"])
    assert status_of(lambda: install(api, app["app_id"])) == 409


def test_upgrading_moves_only_to_a_newer_published_version_the_configuration_fits(
    tenant: Tenant, sdk_client: Sdk
) -> None:
    app, apps = published_app(tenant)
    api = highway_sdk.TenantAppsApi(sdk_client("admin"))
    installation_id = install(api, app["app_id"], configuration={"retries": 3})["installation_id"]
    strict = {"type": "object", "properties": {"retries": {"type": "integer", "maximum": 2}}}
    too_strict = publish(apps, app, tenant, "1.5.0", configuration_schema=strict)

    refused = status_of(
        lambda: sdk_call(
            api,
            "post_api_v1_tenant_appsinstallation_id_upgrade",
            installation_id,
            body={"version_id": too_strict["version_id"]},
        )
    )
    publish(apps, app, tenant, "2.0.0")
    upgraded = sdk_call(api, "post_api_v1_tenant_appsinstallation_id_upgrade", installation_id)["data"]
    again = status_of(lambda: sdk_call(api, "post_api_v1_tenant_appsinstallation_id_upgrade", installation_id))
    downgrade = status_of(
        lambda: sdk_call(
            api,
            "post_api_v1_tenant_appsinstallation_id_upgrade",
            installation_id,
            body={"version_id": too_strict["version_id"]},
        )
    )

    assert refused == 409
    assert (upgraded["version"], upgraded["missing_secrets"]) == ("2.0.0", [])
    assert (again, downgrade) == (409, 409)


def test_configuration_changes_are_merged_and_checked_against_the_schema(tenant: Tenant, sdk_client: Sdk) -> None:
    app, _ = published_app(tenant)
    api = highway_sdk.TenantAppsApi(sdk_client("admin"))
    installation_id = install(api, app["app_id"], configuration={"region": "eu", "retries": 1})["installation_id"]

    changed = sdk_call(
        api, "patch_api_v1_tenant_appsinstallation_id_config", installation_id, body={"configuration": {"retries": 4}}
    )["data"]
    removed = sdk_call(
        api, "patch_api_v1_tenant_appsinstallation_id_config", installation_id, body={"configuration": {"region": None}}
    )["data"]
    read = sdk_call(api, "get_api_v1_tenant_appsinstallation_id_config", installation_id)["data"]

    assert changed["configuration"] == {"region": "eu", "retries": 4}
    assert removed["configuration"] == read["configuration"] == {"retries": 4}
    assert read["configuration_schema"] == SCHEMA
    for bad in ({"retries": 9}, {"retries": "two"}, {"colour": "red"}, ["retries"]):
        body = {"configuration": bad}
        assert refused(api, "patch_api_v1_tenant_appsinstallation_id_config", installation_id, body=body) == 400, bad


def _stored_secrets(secrets_file: Path, tenant_id: str) -> dict[str, str]:
    secrets: dict[str, str] = json.loads(secrets_file.read_text()).get("tenants", {}).get(tenant_id, {})
    return secrets


def test_secrets_go_to_the_secret_provider_and_only_their_names_come_back(
    tenant: Tenant, sdk_client: Sdk, secrets_file: Path
) -> None:
    app, _ = published_app(tenant)
    api = highway_sdk.TenantAppsApi(sdk_client("admin"))
    installation_id = install(api, app["app_id"])["installation_id"]
    value = f"sk-{uuid.uuid4().hex}"
    stored_as = f"app.{installation_id}.api_key"

    put = sdk_call(
        api,
        "put_api_v1_tenant_appsinstallation_id_secretssecret_name",
        installation_id,
        "api_key",
        body={"value": value},
    )
    listed = sdk_call(api, "get_api_v1_tenant_appsinstallation_id_secrets", installation_id)
    in_provider = _stored_secrets(secrets_file, tenant.tenant_id).get(stored_as)
    read = sdk_call(api, "get_api_v1_tenant_appsinstallation_id", installation_id)
    logs = sdk_call(api, "get_api_v1_tenant_appsinstallation_id_logs", installation_id)
    deleted = sdk_call(api, "delete_api_v1_tenant_appsinstallation_id_secretssecret_name", installation_id, "api_key")

    assert in_provider == value
    assert value not in json.dumps([put, listed, read, logs])
    assert (put["data"]["name"], put["data"]["is_set"]) == ("api_key", True)
    assert [(s["name"], s["required"], s["is_set"]) for s in listed["data"]["items"]] == [("api_key", True, True)]
    assert read["data"]["missing_secrets"] == []
    assert deleted["data"] == {"name": "api_key", "deleted": True}
    assert stored_as not in _stored_secrets(secrets_file, tenant.tenant_id)
    after = sdk_call(api, "get_api_v1_tenant_appsinstallation_id_secrets", installation_id)["data"]["items"]
    assert [(s["name"], s["is_set"], s["updated_at"]) for s in after] == [("api_key", False, None)]
    assert (
        status_of(
            lambda: sdk_call(
                api, "delete_api_v1_tenant_appsinstallation_id_secretssecret_name", installation_id, "api_key"
            )
        )
        == 404
    )
    for name, body in (("bad name!", {"value": "x"}), ("api_key", {"value": ""}), ("api_key", {"value": 5})):
        assert (
            refused(api, "put_api_v1_tenant_appsinstallation_id_secretssecret_name", installation_id, name, body=body)
            == 400
        )


def test_the_log_records_who_changed_what_and_never_a_secret_value(tenant: Tenant, sdk_client: Sdk) -> None:
    app, apps = published_app(tenant)
    api = highway_sdk.TenantAppsApi(sdk_client("admin"))
    installation_id = install(api, app["app_id"])["installation_id"]
    sdk_call(api, "post_api_v1_tenant_appsinstallation_id_disable", installation_id)
    sdk_call(api, "post_api_v1_tenant_appsinstallation_id_enable", installation_id)
    publish(apps, app, tenant, "1.1.0")
    sdk_call(api, "post_api_v1_tenant_appsinstallation_id_upgrade", installation_id, body={})
    body = {"configuration": {"region": "us"}}
    sdk_call(api, "patch_api_v1_tenant_appsinstallation_id_config", installation_id, body=body)
    secret = {"value": "hunter2-" + uuid.uuid4().hex}
    path = (installation_id, "api_key")
    sdk_call(api, "put_api_v1_tenant_appsinstallation_id_secretssecret_name", *path, body=secret)
    sdk_call(api, "delete_api_v1_tenant_appsinstallation_id_secretssecret_name", *path)

    logs = sdk_call(api, "get_api_v1_tenant_appsinstallation_id_logs", installation_id)["data"]
    upgrades = sdk_call(api, "get_api_v1_tenant_appsinstallation_id_logs", installation_id, query={"action": "upgrade"})
    page = sdk_call(api, "get_api_v1_tenant_appsinstallation_id_logs", installation_id, query={"page_size": 2})["data"]
    future = {"start_time": "2999-01-01T00:00:00Z"}
    later = sdk_call(api, "get_api_v1_tenant_appsinstallation_id_logs", installation_id, query=future)["data"]
    one = sdk_call(
        api, "get_api_v1_tenant_appsinstallation_id_logslog_id", installation_id, str(logs["items"][0]["log_id"])
    )

    assert [entry["action"] for entry in logs["items"]] == [
        "delete_secret",
        "set_secret",
        "configure",
        "upgrade",
        "enable",
        "disable",
        "install",
    ]
    assert upgrades["data"]["items"][0]["details"] == {"from_version": "1.0.0", "to_version": "1.1.0"}
    assert logs["items"][2]["details"] == {"changed_keys": ["region"]}
    assert logs["items"][1]["details"] == {"secret_name": "api_key"}
    assert {entry["actor"] for entry in logs["items"]} == {logs["items"][0]["actor"]} and logs["items"][0]["actor"]
    assert secret["value"] not in json.dumps(logs)
    assert (len(page["items"]), page["has_more"], later["items"]) == (2, True, [])
    assert one["data"] == logs["items"][0]
    for query in ({"start_time": "yesterday"}, {"action": "explode"}, {"page_size": "201"}):
        assert refused(api, "get_api_v1_tenant_appsinstallation_id_logs", installation_id, query=query) == 400
    assert (
        status_of(
            lambda: sdk_call(api, "get_api_v1_tenant_appsinstallation_id_logslog_id", installation_id, "999999999999")
        )
        == 404
    )


def test_another_tenant_sees_and_changes_none_of_the_installations(
    tenant: Tenant, make_tenant: Any, sdk_client: Sdk
) -> None:
    app, _ = published_app(tenant, visibility="public")
    private, _ = published_app(tenant)
    api = highway_sdk.TenantAppsApi(sdk_client("admin"))
    installation_id = install(api, app["app_id"])["installation_id"]
    other_tenant = make_tenant()
    assert other_tenant.new_key is not None
    configuration = highway_sdk.Configuration(host=other_tenant.api_url, access_token=other_tenant.new_key("admin"))
    other = highway_sdk.TenantAppsApi(highway_sdk.ApiClient(configuration))
    path = (installation_id, "api_key")

    calls: list[tuple[str, tuple[str, ...], Any]] = [
        ("get_api_v1_tenant_appsinstallation_id", (installation_id,), None),
        ("post_api_v1_tenant_appsinstallation_id_disable", (installation_id,), None),
        ("post_api_v1_tenant_appsinstallation_id_enable", (installation_id,), None),
        ("post_api_v1_tenant_appsinstallation_id_upgrade", (installation_id,), None),
        ("get_api_v1_tenant_appsinstallation_id_config", (installation_id,), None),
        ("patch_api_v1_tenant_appsinstallation_id_config", (installation_id,), {"configuration": {}}),
        ("get_api_v1_tenant_appsinstallation_id_logs", (installation_id,), None),
        ("get_api_v1_tenant_appsinstallation_id_secrets", (installation_id,), None),
        ("put_api_v1_tenant_appsinstallation_id_secretssecret_name", path, {"value": "x"}),
        ("delete_api_v1_tenant_appsinstallation_id_secretssecret_name", path, None),
        ("delete_api_v1_tenant_appsinstallation_id", (installation_id,), None),
    ]
    statuses = [refused(other, c[0], *c[1], body=c[2]) for c in calls]

    assert statuses == [404] * len(calls)
    assert sdk_call(other, "get_api_v1_tenant_apps")["data"]["items"] == []
    assert sdk_call(other, "get_api_v1_tenant_apps_tools")["data"]["items"] == []
    assert status_of(lambda: install(other, private["app_id"])) == 404
    # The public app installs for the other tenant too: an installation of its own, the first one untouched.
    assert install(other, app["app_id"])["installation_id"] != installation_id
    assert sdk_call(api, "get_api_v1_tenant_appsinstallation_id", installation_id)["data"]["status"] == "enabled"


def test_managing_installations_needs_the_admin_role(tenant: Tenant, sdk_client: Sdk) -> None:
    app, _ = published_app(tenant)
    installation_id = install(highway_sdk.TenantAppsApi(sdk_client("admin")), app["app_id"])["installation_id"]
    viewer = highway_sdk.TenantAppsApi(sdk_client("viewer"))
    operator = highway_sdk.TenantAppsApi(sdk_client("operator"))

    assert sdk_call(viewer, "get_api_v1_tenant_appsinstallation_id_secrets", installation_id)["data"]["items"]
    assert status_of(lambda: install(operator, app["app_id"])) == 403
    assert (
        status_of(lambda: sdk_call(operator, "post_api_v1_tenant_appsinstallation_id_disable", installation_id)) == 403
    )
    put = ("put_api_v1_tenant_appsinstallation_id_secretssecret_name", installation_id, "api_key")
    assert status_of(lambda: sdk_call(operator, *put, body={"value": "x"})) == 403
    assert status_of(lambda: sdk_call(viewer, "delete_api_v1_tenant_appsinstallation_id", installation_id)) == 403


def test_an_idempotency_key_answers_a_repeated_install_and_secret_the_same(
    tenant: Tenant, sdk_client: Sdk, secrets_file: Path
) -> None:
    app, _ = published_app(tenant)
    api = highway_sdk.TenantAppsApi(sdk_client("admin"))
    key = {"X-Idempotency-Key": uuid.uuid4().hex}

    first = sdk_call(api, "post_api_v1_tenant_apps", body={"app_id": app["app_id"]}, headers=key)
    again = sdk_call(api, "post_api_v1_tenant_apps", body={"app_id": app["app_id"]}, headers=key)
    path = (first["data"]["installation_id"], "api_key")
    put = "put_api_v1_tenant_appsinstallation_id_secretssecret_name"
    secret_key = {"X-Idempotency-Key": uuid.uuid4().hex}
    stored = sdk_call(api, put, *path, body={"value": "one"}, headers=secret_key)
    replayed = sdk_call(api, put, *path, body={"value": "one"}, headers=secret_key)

    assert first == again
    assert stored == replayed
    with pytest.raises(ApiException) as refused:
        sdk_call(api, put, *path, body={"value": "two"}, headers=secret_key)
    assert refused.value.status == 409
    assert _stored_secrets(secrets_file, tenant.tenant_id)[f"app.{path[0]}.api_key"] == "one"


def test_uninstalling_erases_the_secrets_and_forgets_the_installation(
    tenant: Tenant, sdk_client: Sdk, secrets_file: Path
) -> None:
    app, _ = published_app(tenant)
    api = highway_sdk.TenantAppsApi(sdk_client("admin"))
    installation_id = install(api, app["app_id"])["installation_id"]
    put = "put_api_v1_tenant_appsinstallation_id_secretssecret_name"
    sdk_call(api, put, installation_id, "api_key", body={"value": "s3cret"})

    answer = sdk_call(api, "delete_api_v1_tenant_appsinstallation_id", installation_id)

    assert answer["data"] == {"installation_id": installation_id, "uninstalled": True}
    assert f"app.{installation_id}.api_key" not in _stored_secrets(secrets_file, tenant.tenant_id)
    assert status_of(lambda: sdk_call(api, "get_api_v1_tenant_appsinstallation_id", installation_id)) == 404
    assert install(api, app["app_id"])["status"] == "enabled"
