"""What the chart's values decide: bad values fail fast, and each toggle adds exactly the objects it names.

values.schema.json is applied by Helm before rendering (here through `Chart.validate_schema`, the same check);
its messages must name the offending key. Then: config.ini contents, scaling (HPA, KEDA, PDB), routing (Ingress,
HTTPRoute), ServiceMonitors, and the operator's RBAC.
"""

from __future__ import annotations

import configparser
from typing import Any

import helm_python as helm
import pytest

from tests.deploy import chart


def _by_name(objects: Any, kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in chart.of_kind(objects, kind)}


def _config_ini(objects: Any) -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    parser.read_string(_by_name(objects, "ConfigMap")["highway-config"]["data"]["config.ini"])
    return parser


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"components": {"worker": {"replicas": "two"}}}, "at '/components/worker/replicas': got string, want integer"),
        ({"secrets": {"provider": "aws"}}, "at '/secrets/provider': value must be one of 'file', 'vault'"),
        ({"components": {"worker": {"queue": "Orders"}}}, "at '/components/worker/queue': 'Orders' does not match"),
        ({"database": {"sslMode": "on"}}, "at '/database/sslMode'"),
        ({"database": {"existingSecret": ""}}, "at '/database/existingSecret'"),
        ({"databse": {"host": "db"}}, "additional properties 'databse' not allowed"),
        ({"components": {"api": {"replicaCount": 2}}}, "additional properties 'replicaCount' not allowed"),
        ({"image": {"pullPolicy": "Sometimes"}}, "at '/image/pullPolicy'"),
        ({"migrations": {"owner": {"user": "highway_owner"}}}, "at '/migrations/owner/existingSecret'"),
        ({"monitoring": {"serviceMonitor": {"interval": "often"}}}, "at '/monitoring/serviceMonitor/interval'"),
    ],
)
def test_the_schema_rejects_bad_values_with_a_message_naming_the_key(values: dict[str, Any], message: str) -> None:
    with pytest.raises(helm.HelmValuesError) as raised:
        chart.render(values)
    assert message in str(raised.value)


def test_the_defaults_and_every_ci_values_file_satisfy_the_schema() -> None:
    loaded = helm.Chart.load(str(chart.CHART))
    loaded.validate_schema({})
    for path in chart.CI_VALUES:
        loaded.validate_schema(chart.user_values(values_files=[path]))


def test_config_ini_holds_the_chart_settings_with_extra_sections_merged_over_them() -> None:
    config = _config_ini(chart.render({"config": {"worker": {"poll_seconds": 2}, "audit": {"batch": 10}}}))
    assert config.get("worker", "queue") == "default" and config.get("worker", "concurrency") == "8"
    assert config.get("worker", "poll_seconds") == "2" and config.get("audit", "batch") == "10"
    assert config.get("operator", "api_url") == "http://highway-api:8080"
    assert config.get("database", "pool_size") == "4"


def test_every_engine_pod_runs_in_production_mode() -> None:
    for deployment in chart.of_kind(chart.render(), "Deployment"):
        env = {e["name"]: e.get("value") for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
        assert env["HWE_ENV"] == "production", deployment["metadata"]["name"]


def test_a_pod_disruption_budget_exists_only_for_components_with_more_than_one_replica() -> None:
    assert chart.of_kind(chart.render(), "PodDisruptionBudget") == []
    objects = chart.render({"components": {"api": {"replicas": 2}, "worker": {"replicas": 1}}})
    budgets = _by_name(objects, "PodDisruptionBudget")
    assert list(budgets) == ["highway-api"]
    assert budgets["highway-api"]["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"] == "api"


def test_an_enabled_hpa_scales_the_worker_on_cpu_and_owns_its_replica_count() -> None:
    assert chart.of_kind(chart.render(), "HorizontalPodAutoscaler") == []
    autoscaling = {"enabled": True, "minReplicas": 2, "maxReplicas": 8, "targetCPUUtilizationPercentage": 60}
    objects = chart.render({"components": {"worker": {"autoscaling": autoscaling}}})
    hpa = _by_name(objects, "HorizontalPodAutoscaler")["highway-worker"]
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "highway-worker"}
    assert hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 60
    assert "replicas" not in _by_name(objects, "Deployment")["highway-worker"]["spec"]
    assert "highway-worker" in _by_name(objects, "PodDisruptionBudget")


def test_keda_scales_the_worker_on_its_queue_depth_with_the_database_secret() -> None:
    objects = chart.render({"components": {"worker": {"queue": "orders", "concurrency": 4, "keda": {"enabled": True}}}})
    scaled = _by_name(objects, "ScaledObject")["highway-worker"]
    trigger = scaled["spec"]["triggers"][0]
    assert trigger["type"] == "postgresql"
    assert "FROM hwe.r_orders" in trigger["metadata"]["query"]
    assert trigger["metadata"]["targetQueryValue"] == "4"
    assert all(isinstance(v, str) for v in trigger["metadata"].values())
    auth = _by_name(objects, "TriggerAuthentication")[trigger["authenticationRef"]["name"]]
    assert auth["spec"]["secretTargetRef"] == [{"parameter": "password", "name": "highway-database", "key": "password"}]
    assert "replicas" not in _by_name(objects, "Deployment")["highway-worker"]["spec"]


def test_keda_and_an_hpa_together_are_refused_with_a_clear_message() -> None:
    values = {"components": {"worker": {"keda": {"enabled": True}, "autoscaling": {"enabled": True}}}}
    with pytest.raises(helm.HelmError, match="enable autoscaling \\(HPA\\) or keda, not both"):
        chart.render(values)


def test_ingress_and_http_route_route_to_the_api_service_only_when_enabled() -> None:
    assert not {"Ingress", "HTTPRoute"} & {o["kind"] for o in chart.render()}
    api = {
        "ingress": {"enabled": True, "className": "nginx"},
        "httpRoute": {"enabled": True, "parentRefs": [{"name": "gw"}], "hostnames": ["h.example.com"]},
    }
    objects = chart.render({"components": {"api": api}})
    ingress = _by_name(objects, "Ingress")["highway-api"]
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "highway-api", "port": {"name": "http"}}
    route = _by_name(objects, "HTTPRoute")["highway-api"]
    assert route["spec"]["rules"][0]["backendRefs"] == [{"name": "highway-api", "port": 8080}]
    assert route["spec"]["parentRefs"] == [{"name": "gw"}]


def test_service_monitors_scrape_every_component_when_enabled() -> None:
    assert chart.of_kind(chart.render(), "ServiceMonitor") == []
    monitoring = {"serviceMonitor": {"enabled": True, "labels": {"release": "prom"}, "interval": "15s"}}
    objects = chart.render({"monitoring": monitoring})
    monitors = _by_name(objects, "ServiceMonitor")
    services = _by_name(objects, "Service")
    assert sorted(monitors) == sorted(services)
    for name, monitor in monitors.items():
        assert monitor["metadata"]["labels"]["release"] == "prom"
        assert monitor["spec"]["selector"]["matchLabels"].items() <= services[name]["metadata"]["labels"].items()
        endpoint = monitor["spec"]["endpoints"][0]
        assert endpoint["port"] in {p["name"] for p in services[name]["spec"]["ports"]}
        assert endpoint["interval"] == "15s" and endpoint["path"] == "/metrics"
        assert endpoint["relabelings"][0]["targetLabel"] == "component"


def test_a_disabled_component_renders_nothing_of_its_own() -> None:
    objects = chart.render({"components": {"operator": {"enabled": False}, "audit": {"enabled": False}}})
    names = {o["metadata"]["name"] for o in objects}
    assert not {n for n in names if n.startswith(("highway-operator", "highway-audit"))}
    assert not {"ClusterRole", "ClusterRoleBinding"} & {o["kind"] for o in objects}


def test_the_operator_may_read_only_the_named_secrets_and_needs_no_leases() -> None:
    objects = chart.render()
    role = _by_name(objects, "ClusterRole")["highway-operator"]
    rules = {(tuple(r["apiGroups"]), tuple(r["resources"])): r for r in role["rules"]}
    assert rules[(("",), ("secrets",))]["resourceNames"] == ["highway-api-key"]
    assert rules[(("",), ("secrets",))]["verbs"] == ["get"]
    assert set(rules[(("highway.dev",), ("workflows",))]["verbs"]) == {"get", "list", "watch", "patch", "update"}
    assert (("highway.dev",), ("workflows/status",)) in rules and (("highway.dev",), ("workflows/finalizers",)) in rules
    assert (("events.k8s.io",), ("events",)) in rules and (("",), ("events",)) in rules
    every_rule = [r for o in chart.of_kind(objects, "ClusterRole") for r in o["rules"]]
    assert not [r for r in every_rule if "coordination.k8s.io" in r["apiGroups"]]
    assert all("*" not in r["verbs"] and "*" not in r["resources"] for r in every_rule)
    everything = chart.render({"components": {"operator": {"readAllSecrets": True}}})
    secrets_rule = next(
        r for r in _by_name(everything, "ClusterRole")["highway-operator"]["rules"] if r["resources"] == ["secrets"]
    )
    assert "resourceNames" not in secrets_rule


def test_an_operator_limited_to_namespaces_gets_a_role_in_each_and_watches_only_those() -> None:
    objects = chart.render({"components": {"operator": {"namespaces": ["team-a", "team-b"]}}})
    roles = chart.of_kind(objects, "Role")
    assert sorted(r["metadata"]["namespace"] for r in roles) == ["team-a", "team-b"]
    bindings = chart.of_kind(objects, "RoleBinding")
    assert {b["subjects"][0]["name"] for b in bindings} == {"highway-operator"}
    assert {b["subjects"][0]["namespace"] for b in bindings} == {chart.NAMESPACE}
    # kopf still discovers CRDs and namespaces cluster-wide.
    assert list(_by_name(objects, "ClusterRole")) == ["highway-operator-discovery"]
    assert _config_ini(objects).get("operator", "namespaces") == "team-a,team-b"


def test_an_image_digest_pins_every_container() -> None:
    digest = "sha256:" + "a" * 64
    objects = chart.render({"image": {"digest": digest}})
    images = {
        c["image"]
        for o in objects
        if o["kind"] in ("Deployment", "Job")
        for c in o["spec"]["template"]["spec"]["containers"]
    }
    assert images == {f"ghcr.io/highway-engine/highway@{digest}"}
