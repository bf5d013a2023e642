"""The Helm chart as Kubernetes sees it: it lints, every values variant renders, and every object is valid.

Rendering is Helm's v4 Go SDK (helm_python), offline. Objects of built-in kinds are validated strictly with
kubernetes-validate against Kubernetes 1.32 and 1.37; custom resources (ServiceMonitor, PrometheusRule, ScaledObject,
TriggerAuthentication, HTTPRoute) have no bundled schema there, so they are checked for the fields their controllers
require. No apiserver runs here: admission (PodSecurity, RBAC escalation checks) is not exercised.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import helm_python as helm
import kubernetes_validate
import pytest

from tests.deploy import chart

KUBERNETES_VERSIONS = ("1.32.0", "1.37.0")
VARIANTS: dict[str, list[Path]] = {"defaults": [], **{p.stem: [p] for p in chart.CI_VALUES}}
STANDARD_LABELS = (
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/version",
    "app.kubernetes.io/managed-by",
    "app.kubernetes.io/part-of",
)
# apiVersion, kind → the dotted paths its controller cannot work without.
CUSTOM_RESOURCES: dict[tuple[str, str], tuple[str, ...]] = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): ("spec.selector.matchLabels", "spec.endpoints"),
    ("monitoring.coreos.com/v1", "PrometheusRule"): ("spec.groups",),
    ("keda.sh/v1alpha1", "ScaledObject"): ("spec.scaleTargetRef.name", "spec.triggers"),
    ("keda.sh/v1alpha1", "TriggerAuthentication"): ("spec.secretTargetRef",),
    ("gateway.networking.k8s.io/v1", "HTTPRoute"): ("spec.parentRefs", "spec.rules"),
}


@cache
def _render(variant: str) -> tuple[dict[str, Any], ...]:
    return tuple(chart.render(values_files=VARIANTS[variant], include_crds=True))


def _dig(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        obj = obj.get(part) if isinstance(obj, dict) else None
    return obj


def test_chart_passes_helm_lint_in_strict_mode_with_every_values_variant() -> None:
    for variant, files in VARIANTS.items():
        report = helm.lint(str(chart.CHART), chart.user_values(values_files=files), strict=True)
        assert report["errors"] == [], (variant, report)
        assert [m for m in report["messages"] if m["severity"] >= 2] == [], (variant, report)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_built_in_object_of_a_variant_validates_strictly(variant: str, version: str) -> None:
    checked = 0
    for obj in _render(variant):
        if (obj["apiVersion"], obj["kind"]) in CUSTOM_RESOURCES:
            continue
        kubernetes_validate.validate(obj, version, strict=True)
        checked += 1
    assert checked >= 15


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_custom_resources_carry_the_fields_their_controllers_need(variant: str) -> None:
    for obj in _render(variant):
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSIONS[-1], strict=True)
            continue
        except kubernetes_validate.SchemaNotFoundError:
            pass
        required = CUSTOM_RESOURCES.get((obj["apiVersion"], obj["kind"]))
        assert required is not None, f"{obj['apiVersion']} {obj['kind']} is neither built in nor a known custom kind"
        assert obj["metadata"]["name"]
        for path in required:
            assert _dig(obj, path), f"{obj['kind']} {obj['metadata']['name']} lacks {path}"


def test_the_production_variant_renders_the_custom_resources_it_enables() -> None:
    kinds = {o["kind"] for o in _render("production-values")}
    assert {"ServiceMonitor", "ScaledObject", "TriggerAuthentication", "Ingress"} <= kinds


def test_defaults_render_a_deployment_service_and_service_account_for_every_service() -> None:
    objects = _render("defaults")
    for component in ("api", "worker", "scheduler", "timeout", "audit", "operator"):
        for kind in ("Deployment", "Service", "ServiceAccount"):
            names = {o["metadata"]["name"] for o in chart.of_kind(objects, kind)}
            assert f"highway-{component}" in names, (kind, component)


def test_the_crd_is_installed_from_crds_and_never_rendered_as_a_template() -> None:
    crds = [o for o in _render("defaults") if o["kind"] == "CustomResourceDefinition"]
    assert [c["metadata"]["name"] for c in crds] == ["workflows.highway.dev"]
    assert chart.of_kind(chart.render(), "CustomResourceDefinition") == []


def test_every_rendered_object_carries_the_standard_labels() -> None:
    for variant in VARIANTS:
        for obj in _render(variant):
            if obj["kind"] == "CustomResourceDefinition":
                continue
            labels = obj["metadata"].get("labels", {})
            missing = [label for label in STANDARD_LABELS if label not in labels]
            assert missing == [], (variant, obj["kind"], obj["metadata"]["name"])
            assert labels["app.kubernetes.io/part-of"] == "highway"


def test_selectors_leave_out_the_version_so_an_upgrade_can_change_it() -> None:
    upgraded = chart.render({"image": {"tag": "9.9.9"}})
    before = {o["metadata"]["name"]: o["spec"]["selector"] for o in chart.of_kind(_render("defaults"), "Deployment")}
    after = {o["metadata"]["name"]: o["spec"]["selector"] for o in chart.of_kind(upgraded, "Deployment")}
    assert before == after
    assert all("app.kubernetes.io/version" not in s["matchLabels"] for s in after.values())


def test_no_variant_renders_a_secret_or_puts_a_secret_into_a_config_map() -> None:
    for variant in VARIANTS:
        objects = _render(variant)
        assert chart.of_kind(objects, "Secret") == [], variant
        config = {o["metadata"]["name"]: o for o in chart.of_kind(objects, "ConfigMap")}["highway-config"]
        text = config["data"]["config.ini"].lower()
        assert not any(word in text for word in ("password", "pepper", "api_key", "token")), variant


def test_the_notes_tell_how_to_reach_the_api_and_run_the_chart_test() -> None:
    notes = chart.render_templates()["highway/templates/NOTES.txt"]
    assert "port-forward svc/highway-api 8080:8080" in notes
    assert "helm test highway -n highway" in notes


def test_the_helm_test_pod_checks_readiness_and_runs_a_no_op_workflow_with_a_key_from_a_secret() -> None:
    pod = chart.of_kind(chart.render({"helmTest": {"apiKeySecret": {"name": "test-key"}}}), "Pod")[0]
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    container = pod["spec"]["containers"][0]
    script = container["args"][-1]
    assert "/readyz" in script and "/api/v1/workflows" in script
    env = {e["name"]: e for e in container["env"]}
    assert env["API_URL"]["value"] == "http://highway-api:8080"
    assert env["HWE_API_KEY"]["valueFrom"]["secretKeyRef"] == {"name": "test-key", "key": "api-key"}
    compile(script, "helm-test", "exec")
