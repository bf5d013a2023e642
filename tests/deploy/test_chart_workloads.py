"""What every pod the chart runs must be: probed on real health, bounded, locked down, spread, rolled on config change.

The invariants hold for the defaults and for every ci/ values variant. The migration Job's hook and plain (Argo CD,
Flux) forms, and the wiring of the database password and of Vault's projected token, are checked here too.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.deploy import chart

VARIANTS: dict[str, list[Path]] = {"defaults": [], **{p.stem: [p] for p in chart.CI_VALUES}}


@cache
def _render(variant: str) -> tuple[dict[str, Any], ...]:
    return tuple(chart.render(values_files=VARIANTS[variant]))


def _deployments(variant: str) -> list[dict[str, Any]]:
    return chart.of_kind(_render(variant), "Deployment")


def _by_name(objects: Any, kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in chart.of_kind(objects, kind)}


def _env(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in container.get("env", [])}


def _pod_specs(objects: Any) -> list[tuple[str, dict[str, Any]]]:
    specs = [
        (o["metadata"]["name"], o["spec"]["template"]["spec"]) for o in objects if o["kind"] in ("Deployment", "Job")
    ]
    return specs + [(o["metadata"]["name"], o["spec"]) for o in chart.of_kind(objects, "Pod")]


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_deployment_probes_liveness_and_readiness_on_a_port_its_container_declares(variant: str) -> None:
    for deployment in _deployments(variant):
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        for probe in ("livenessProbe", "readinessProbe"):
            assert container[probe]["httpGet"]["port"] in ports, (deployment["metadata"]["name"], probe)
        if "startupProbe" in container:
            assert container["startupProbe"]["httpGet"]["port"] in ports


def test_services_probe_their_real_health_endpoints() -> None:
    containers = {
        d["metadata"]["name"]: d["spec"]["template"]["spec"]["containers"][0] for d in _deployments("defaults")
    }
    expected = {"api": ("http", 8080, "HWE_API_PORT"), "operator": ("health", 8081, "HWE_OPERATOR_HEALTH_PORT")}
    for service in ("worker", "scheduler", "timeout", "audit"):
        expected[service] = ("metrics", 9090, f"HWE_{service.upper()}_METRICS_PORT")
    for service, (port_name, port, variable) in expected.items():
        container = containers[f"highway-{service}"]
        assert {"name": port_name, "containerPort": port, "protocol": "TCP"} in container["ports"]
        assert _env(container)[variable]["value"] == str(port), service
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": port_name}
        readiness = "/healthz" if service == "operator" else "/readyz"
        assert container["readinessProbe"]["httpGet"] == {"path": readiness, "port": port_name}
        if service != "operator":
            assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
        bind = {"api": "HWE_API_HOST", "operator": "HWE_OPERATOR_LISTEN_HOST"}.get(service, "HWE_METRICS_HOST")
        assert _env(container)[bind]["value"] == "0.0.0.0"


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_container_requests_cpu_and_memory_and_is_limited_in_memory(variant: str) -> None:
    for name, spec in _pod_specs(_render(variant)):
        for container in spec["containers"] + spec.get("initContainers", []):
            resources = container["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"]), (name, container["name"])
            assert "memory" in resources["limits"], (name, container["name"])


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_pod_runs_non_root_without_privileges_on_a_read_only_root_filesystem(variant: str) -> None:
    for name, spec in _pod_specs(_render(variant)):
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        for container in spec["containers"] + spec.get("initContainers", []):
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["capabilities"]["drop"] == ["ALL"], name
            assert context["seccompProfile"] == {"type": "RuntimeDefault"}, name
            mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
            assert "/tmp" in mounts, (name, container["name"])
        volumes = {v["name"]: v for v in spec["volumes"]}
        assert "emptyDir" in volumes["tmp"], name


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_deployment_spreads_its_own_pods_over_the_topology(variant: str) -> None:
    for deployment in _deployments(variant):
        template = deployment["spec"]["template"]
        constraints = template["spec"]["topologySpreadConstraints"]
        assert constraints, deployment["metadata"]["name"]
        for constraint in constraints:
            selector = constraint["labelSelector"]["matchLabels"]
            assert selector == deployment["spec"]["selector"]["matchLabels"]
            assert selector.items() <= template["metadata"]["labels"].items()


def test_engine_pods_keep_scratch_and_state_on_empty_dirs() -> None:
    for deployment in _deployments("defaults"):
        spec = deployment["spec"]["template"]["spec"]
        mounts = {m["mountPath"]: m["name"] for m in spec["containers"][0]["volumeMounts"]}
        assert mounts["/var/lib/highway"] == "state"
        assert _env(spec["containers"][0])["HWE_STATE_DIR"]["value"] == "/var/lib/highway"
        assert "emptyDir" in {v["name"]: v for v in spec["volumes"]}["state"]


@pytest.mark.parametrize("drain", [30, 90])
def test_the_worker_grace_period_outlasts_its_drain(drain: int) -> None:
    objects = chart.render({"components": {"worker": {"drainSeconds": drain}}})
    worker = _by_name(objects, "Deployment")["highway-worker"]["spec"]["template"]["spec"]
    assert worker["terminationGracePeriodSeconds"] > drain
    config = _by_name(objects, "ConfigMap")["highway-config"]["data"]["config.ini"]
    assert f"drain_seconds = {drain}" in config


def test_a_config_change_changes_the_checksum_that_rolls_the_pods() -> None:
    def checksums(values: dict[str, Any]) -> set[str]:
        deployments = chart.of_kind(chart.render(values), "Deployment")
        return {d["spec"]["template"]["metadata"]["annotations"]["checksum/config"] for d in deployments}

    default = checksums({})
    assert len(default) == 1
    assert checksums({"config": {"api": {"rate_limit_per_second": 5}}}).isdisjoint(default)
    assert checksums({"components": {"worker": {"concurrency": 3}}}).isdisjoint(default)
    assert checksums({"components": {"api": {"replicas": 3}}}) == default


def test_only_the_operator_mounts_a_kubernetes_api_token() -> None:
    objects = _render("defaults")
    for deployment in _deployments("defaults"):
        spec = deployment["spec"]["template"]["spec"]
        assert spec["automountServiceAccountToken"] is (deployment["metadata"]["name"] == "highway-operator")
    accounts = _by_name(objects, "ServiceAccount")
    assert [n for n, a in accounts.items() if a["automountServiceAccountToken"]] == ["highway-operator"]


def test_the_database_password_reaches_pods_only_as_pgpassword_from_the_existing_secret() -> None:
    objects = chart.render({"database": {"existingSecret": "db-app", "passwordKey": "pw", "user": "app"}})
    for name, spec in _pod_specs(objects):
        for container in spec["containers"] + spec.get("initContainers", []):
            env = _env(container)
            if "HWE_DATABASE_URL" not in env:
                continue
            url = env["HWE_DATABASE_URL"]["value"]
            assert re.match(r"^postgresql://app@[^:@/]+:5432/highway\?sslmode=prefer$", url), (name, url)
            assert env["PGPASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "db-app", "key": "pw"}


def test_the_file_provider_mounts_the_existing_secret_read_only_and_points_the_engine_at_it() -> None:
    api = _by_name(_render("defaults"), "Deployment")["highway-api"]["spec"]["template"]["spec"]
    container = api["containers"][0]
    assert _env(container)["HWE_SECRETS_PROVIDER"]["value"] == "file"
    assert _env(container)["HWE_SECRETS_FILE"]["value"] == "/var/run/highway/secrets/secrets.json"
    mount = next(m for m in container["volumeMounts"] if m["name"] == "secrets")
    assert mount == {"name": "secrets", "mountPath": "/var/run/highway/secrets", "readOnly": True}
    assert {v["name"]: v for v in api["volumes"]}["secrets"]["secret"]["secretName"] == "highway-secrets"


def test_the_vault_provider_logs_in_with_a_projected_token_for_the_vault_audience() -> None:
    for deployment in _deployments("production-values"):
        spec = deployment["spec"]["template"]["spec"]
        container = spec["containers"][0]
        env = {k: v.get("value") for k, v in _env(container).items()}
        assert env["HWE_SECRETS_PROVIDER"] == "vault"
        assert env["HWE_VAULT_AUTH_METHOD"] == "kubernetes"
        assert env["HWE_VAULT_ROLE"] == "highway" and env["HWE_VAULT_AUTH_MOUNT"] == "kubernetes"
        assert env["HWE_VAULT_TOKEN_PATH"] == "/var/run/secrets/vault/token"
        assert env["HWE_VAULT_ADDR"].startswith("https://")
        assert "HWE_SECRETS_FILE" not in env and "HWE_VAULT_TOKEN" not in env
        volume = {v["name"]: v for v in spec["volumes"]}["vault-token"]
        source = volume["projected"]["sources"][0]["serviceAccountToken"]
        assert source["audience"] == "vault" and source["path"] == "token"
        mount = next(m for m in container["volumeMounts"] if m["name"] == "vault-token")
        assert mount["mountPath"] == "/var/run/secrets/vault" and mount["readOnly"] is True


def test_migrations_run_as_a_pre_install_and_pre_upgrade_hook_after_waiting_for_the_database() -> None:
    objects = _render("defaults")
    job = _by_name(objects, "Job")["highway-migrate"]
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert annotations["helm.sh/hook-delete-policy"] == "before-hook-creation,hook-succeeded"
    spec = job["spec"]["template"]["spec"]
    assert spec["restartPolicy"] == "Never" and job["spec"]["backoffLimit"] == 3
    assert job["spec"]["activeDeadlineSeconds"] == 600
    assert spec["containers"][0]["args"] == ["hwe", "migrate"]
    wait = spec["initContainers"][0]
    assert wait["name"] == "wait-for-database" and wait["image"] == spec["containers"][0]["image"]
    compile(wait["args"][-1], "wait-for-database", "exec")
    assert "psycopg.connect" in wait["args"][-1] and "deadline" in wait["args"][-1]
    # A pre-install hook runs before the release's other objects exist: its service account is a hook too.
    account = _by_name(objects, "ServiceAccount")[spec["serviceAccountName"]]
    assert int(account["metadata"]["annotations"]["helm.sh/hook-weight"]) < int(annotations["helm.sh/hook-weight"])
    assert not any(v.get("configMap") for v in spec["volumes"])


def test_without_helm_hooks_migrations_are_a_plain_job_named_after_the_image() -> None:
    def jobs(tag: str) -> dict[str, dict[str, Any]]:
        return _by_name(chart.render({"migrations": {"useHelmHooks": False}, "image": {"tag": tag}}), "Job")

    first, second = jobs("1.2.3"), jobs("1.3.0")
    assert list(first) == ["highway-migrate-1-2-3"] and list(second) == ["highway-migrate-1-3-0"]
    assert "annotations" not in first["highway-migrate-1-2-3"]["metadata"]
    plain = chart.render({"migrations": {"useHelmHooks": False}})
    assert all("helm.sh/hook" not in (o["metadata"].get("annotations") or {}) for o in plain if o["kind"] != "Pod")


def test_with_a_schema_owner_the_job_migrates_as_the_owner_then_grants_the_services_role() -> None:
    owner = {"user": "highway_owner", "existingSecret": "highway-db-owner", "passwordKey": "pw"}
    objects = chart.render({"migrations": {"owner": owner}, "database": {"user": "highway_service"}})
    spec = _by_name(objects, "Job")["highway-migrate"]["spec"]["template"]["spec"]
    for container in spec["containers"] + spec["initContainers"]:
        env = _env(container)
        assert env["HWE_DATABASE_URL"]["value"].startswith("postgresql://highway_owner@"), container["name"]
        assert env["PGPASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "highway-db-owner", "key": "pw"}
    migrate = spec["containers"][0]
    assert migrate["args"] == ["sh", "-c", 'hwe migrate && hwe grant "$SERVICE_ROLE"']
    assert _env(migrate)["SERVICE_ROLE"]["value"] == "highway_service"
    # The services keep logging in as their own role.
    api = _by_name(objects, "Deployment")["highway-api"]["spec"]["template"]["spec"]["containers"][0]
    assert _env(api)["HWE_DATABASE_URL"]["value"].startswith("postgresql://highway_service@")
    assert _env(api)["PGPASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == "highway-database"


def test_migrations_can_be_left_to_something_else() -> None:
    assert chart.of_kind(chart.render({"migrations": {"enabled": False}}), "Job") == []


def test_an_audit_archive_on_a_volume_is_claimed_kept_and_rolled_without_overlap() -> None:
    objects = chart.render({"components": {"audit": {"archive": {"persistence": {"enabled": True, "size": "5Gi"}}}}})
    claim = _by_name(objects, "PersistentVolumeClaim")["highway-audit-archive"]
    assert claim["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    audit = _by_name(objects, "Deployment")["highway-audit"]
    assert audit["spec"]["strategy"] == {"type": "Recreate"}
    mounts = {m["name"]: m["mountPath"] for m in audit["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]}
    config = _by_name(objects, "ConfigMap")["highway-config"]["data"]["config.ini"]
    assert f"archive_path = {mounts['archive']}" in config


def test_extra_volumes_and_env_reach_every_engine_container_and_the_migration_job() -> None:
    objects = _render("production-values")
    for name, spec in _pod_specs(objects):
        if name.startswith("highway-test"):
            continue
        assert {v["name"]: v for v in spec["volumes"]}["db-ca"]["configMap"]["name"] == "highway-db-ca", name
        for container in spec["containers"] + spec.get("initContainers", []):
            where = (name, container["name"])
            assert _env(container)["PGSSLROOTCERT"]["value"] == "/etc/highway-db-ca/ca.crt", where
            assert "/etc/highway-db-ca" in {m["mountPath"] for m in container["volumeMounts"]}, where
