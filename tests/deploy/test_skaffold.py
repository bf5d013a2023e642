"""skaffold.yaml, checked structurally: no skaffold binary exists in our registries, so skaffold itself has not
validated the file. Checked here: the apiVersion, that every artifact's context and Dockerfile exist, that the
image templates name the artifact the way skaffold spells it, and that every profile's chart renders, through
tests/deploy/chart.py, with the values skaffold would pass, running the image skaffold built.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import jsonpatch
import pytest
import yaml

from tests.deploy import chart

ROOT = Path(__file__).resolve().parents[2]
CONFIG: dict[str, Any] = yaml.safe_load((ROOT / "skaffold.yaml").read_text())
PROFILES = [None] + [p["name"] for p in CONFIG.get("profiles", [])]
TEMPLATE = re.compile(r"\{\{\s*\.(\w+)\s*\}\}")
DIGEST = "sha256:" + "ab" * 32


def _effective(profile: str | None) -> dict[str, Any]:
    """The config as skaffold sees it with `-p profile`: the profile's patches, then its fields over the base."""
    base = {k: v for k, v in CONFIG.items() if k != "profiles"}
    if profile is None:
        return copy.deepcopy(base)
    [spec] = [p for p in CONFIG["profiles"] if p["name"] == profile]
    patched: dict[str, Any] = jsonpatch.apply_patch(base, spec.get("patches", []))
    patched.update({k: v for k, v in spec.items() if k not in ("name", "patches", "activation")})
    return patched


def _sanitized(image: str) -> str:
    # Skaffold's SanitizeHelmTemplateValue: Go templates take none of these characters in a name.
    return re.sub(r"[./:-]", "_", image)


def _build_variables(image: str, repo: str, tag: str, digest: str) -> dict[str, str]:
    name = _sanitized(image)
    return {f"IMAGE_REPO_{name}": repo, f"IMAGE_TAG_{name}": tag, f"IMAGE_DIGEST_{name}": digest}


def _helm_scalar(text: str) -> Any:
    # What `helm --set key=text` stores: ints, booleans and null are typed, everything else is a string.
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return {"true": True, "false": False, "null": None}.get(text, text)


def _set(values: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    for key in parents:
        values = values.setdefault(key, {})
    values[leaf] = value


def _release_values(release: dict[str, Any], variables: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, text in _flat(release.get("setValues", {})).items():
        _set(values, key, _helm_scalar(str(text)))
    for key, template in release.get("setValueTemplates", {}).items():
        _set(values, key, _helm_scalar(TEMPLATE.sub(lambda m: variables[m.group(1)], template).removesuffix("@")))
    return values


def _flat(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _releases(config: dict[str, Any]) -> list[dict[str, Any]]:
    releases: list[dict[str, Any]] = config["manifests"]["helm"]["releases"]
    assert releases
    return releases


def _render(release: dict[str, Any], variables: dict[str, str]) -> list[dict[str, Any]]:
    assert (ROOT / release["chartPath"] / "Chart.yaml").is_file(), release["chartPath"]
    assert (ROOT / release["chartPath"]).resolve() == chart.CHART, "tests/deploy/chart.py renders charts/highway"
    # The wrapper renders as release `highway`; names skaffold forwards to depend on it.
    assert release["name"] == chart.RELEASE
    files = [ROOT / path for path in release.get("valuesFiles", [])]
    assert all(f.is_file() for f in files), files
    return chart.render(_release_values(release, variables), files)


def _containers(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    containers = []
    for obj in objects:
        spec = obj.get("spec", {})
        pod = spec.get("template", {}).get("spec") or (spec if obj["kind"] == "Pod" else {})
        containers += pod.get("initContainers", []) + pod.get("containers", [])
    return containers


def test_the_config_is_a_skaffold_v4_config_named_highway() -> None:
    assert re.fullmatch(r"skaffold/v4beta\d+", CONFIG["apiVersion"])
    assert CONFIG["kind"] == "Config"
    assert CONFIG["metadata"]["name"] == "highway"


def test_every_artifact_builds_from_an_existing_context_and_dockerfile() -> None:
    artifacts = CONFIG["build"]["artifacts"]
    assert [a["image"] for a in artifacts] == ["ghcr.io/highway-engine/highway"]
    for artifact in artifacts:
        context = ROOT / artifact.get("context", ".")
        assert context.is_dir()
        assert (context / artifact["docker"]["dockerfile"]).is_file()


def test_the_built_image_is_the_one_the_chart_runs_by_default() -> None:
    defaults = yaml.safe_load((chart.CHART / "values.yaml").read_text())
    assert defaults["image"]["repository"] == CONFIG["build"]["artifacts"][0]["image"]


def test_buildkit_is_on_when_the_dockerfile_needs_it() -> None:
    # RUN --mount (the runtime stage's bind mount of the builder's wheels) is a BuildKit feature.
    if "--mount=" in (ROOT / "Dockerfile").read_text():
        assert CONFIG["build"]["local"]["useBuildkit"] is True


def test_the_helm_deployer_installs_the_rendered_releases() -> None:
    # An empty deploy.helm makes skaffold install manifests.helm.releases with helm (hooks, CRDs) instead of
    # applying `helm template` output with kubectl, which would run the migration hook Job as a plain Job.
    assert CONFIG["deploy"] == {"helm": {}}


@pytest.mark.parametrize("profile", PROFILES)
def test_every_image_template_names_a_built_artifact(profile: str | None) -> None:
    known: set[str] = set()
    for artifact in _effective(profile)["build"]["artifacts"]:
        known |= set(_build_variables(artifact["image"], "", "", ""))
    for release in _releases(_effective(profile)):
        used = {m for t in release.get("setValueTemplates", {}).values() for m in TEMPLATE.findall(t)}
        assert used, "the chart would run its default image, not the one skaffold built"
        assert used <= known


@pytest.mark.parametrize("digest", ["", DIGEST], ids=["local-build-without-digest", "pushed-with-digest"])
@pytest.mark.parametrize("profile", PROFILES)
def test_every_profile_renders_the_chart_running_the_image_skaffold_built(profile: str | None, digest: str) -> None:
    config = _effective(profile)
    image = config["build"]["artifacts"][0]["image"]
    repo, tag = "localhost:5000/highway-dev", "0123abc-dirty"
    expected = f"{repo}@{digest}" if digest else f"{repo}:{tag}"
    for release in _releases(config):
        containers = _containers(_render(release, _build_variables(image, repo, tag, digest)))
        assert len(containers) > 6
        assert {c["image"] for c in containers} == {expected}


@pytest.mark.parametrize("profile", PROFILES)
def test_every_port_forward_names_a_service_port_the_chart_renders(profile: str | None) -> None:
    config = _effective(profile)
    variables = _build_variables(config["build"]["artifacts"][0]["image"], "highway", "dev", "")
    services = {
        obj["metadata"]["name"]: {p["port"] for p in obj["spec"]["ports"]}
        for release in _releases(config)
        for obj in _render(release, variables)
        if obj["kind"] == "Service"
    }
    for forward in config.get("portForward", []):
        assert forward["resourceType"] == "service"
        assert int(forward["port"]) in services.get(forward["resourceName"], set()), forward


def test_the_dev_profile_forwards_the_api_to_localhost_8080() -> None:
    forwards = _effective("dev")["portForward"]
    assert {(f["resourceName"], int(f["port"]), int(f["localPort"])) for f in forwards} == {("highway-api", 8080, 8080)}


def _cpu_millicores(quantity: str) -> float:
    return float(quantity[:-1]) if quantity.endswith("m") else float(quantity) * 1000


def test_the_dev_profile_asks_for_less_cpu_than_the_default_install() -> None:
    def requested(profile: str | None) -> float:
        config = _effective(profile)
        variables = _build_variables(config["build"]["artifacts"][0]["image"], "highway", "dev", "")
        return sum(
            _cpu_millicores(c["resources"]["requests"]["cpu"]) * obj["spec"].get("replicas", 1)
            for release in _releases(config)
            for obj in _render(release, variables)
            if obj["kind"] == "Deployment"
            for c in obj["spec"]["template"]["spec"]["containers"]
        )

    assert requested("dev") < requested(None)
