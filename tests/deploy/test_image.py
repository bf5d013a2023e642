"""The container image, checked without building it: no image can be built or pulled here, and hadolint is not
available. The Dockerfile is parsed with dockerfile-parse and held to the house rules for images; the wheel the
image installs is built for real from exactly what the Dockerfile copies, and its contents are checked, together
with the commands the chart runs in the image.
"""

from __future__ import annotations

import configparser
import fnmatch
import io
import json
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from dockerfile_parse import DockerfileParser

from tests.deploy import chart

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
IMAGE_REPOSITORY = "ghcr.io/highway-engine/highway"
# Offline and from the venv's setuptools: build isolation would fetch a build backend from the index.
PIP_WHEEL = ("pip", "wheel", "--quiet", "--no-deps", "--no-index", "--no-build-isolation")
OUTSIDE_THE_CONTEXT = (
    ".venv/bin/python", ".hwe/pgdata/PG_VERSION", ".git/HEAD", "hwe/__pycache__/db.cpython-311.pyc",
    ".pytest_cache/v", ".mypy_cache/3.11", ".ruff_cache/x", "highway_engine.egg-info/PKG-INFO",
    "services/api/__pycache__/_app.cpython-311.pyc", "secrets.json", ".env", "tests/conftest.py", "charts/highway",
)  # fmt: skip
COMPILERS = ("gcc", "g++", "cc", "clang", "build-essential", "make", "cmake", "python3-dev", "libpq-dev", "rustc")


@dataclass
class Stage:
    base: str
    name: str
    instructions: list[dict[str, Any]] = field(default_factory=list)

    def values(self, instruction: str) -> list[str]:
        return [i["value"] for i in self.instructions if i["instruction"] == instruction]


def _stages() -> list[Stage]:
    stages: list[Stage] = []
    for item in DockerfileParser(fileobj=io.BytesIO(DOCKERFILE.read_bytes())).structure:
        if item["instruction"] == "FROM":
            match = re.fullmatch(r"(?:--\S+\s+)*(\S+)(?:\s+[Aa][Ss]\s+(\S+))?", item["value"].strip())
            assert match, item["value"]
            stages.append(Stage(base=match.group(1), name=match.group(2) or ""))
        elif item["instruction"] != "COMMENT":
            assert stages, f"{item['instruction']} before the first FROM"
            stages[-1].instructions.append(item)
    return stages


def _flags(value: str, flag: str) -> list[str]:
    return re.findall(rf"--{flag}=(\S+)", value)


def _shell_commands(stage: Stage) -> list[list[str]]:
    """Every command of every RUN, split at `&&`, `;` and `|`, as word lists (flags of RUN itself dropped)."""
    commands = []
    for value in stage.values("RUN"):
        for part in re.split(r"&&|;|\|\|?", value):
            words = [w for w in part.split() if not w.startswith("--mount=")]
            if words:
                commands.append(words)
    return commands


def _apt_packages(stage: Stage) -> list[str]:
    packages = []
    for words in _shell_commands(stage):
        if words[:1] in (["apt-get"], ["apt"]) and "install" in words:
            packages += [w for w in words[words.index("install") + 1 :] if not w.startswith("-")]
    return packages


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return _stages()


@pytest.fixture(scope="module")
def final(stages: list[Stage]) -> Stage:
    return stages[-1]


def test_every_stage_is_named_and_starts_from_a_pinned_slim_python_image(stages: list[Stage]) -> None:
    assert len(stages) >= 2, "multi-stage: a builder and a runtime stage"
    for stage in stages:
        assert re.fullmatch(r"[a-z][a-z0-9_-]*", stage.name), f"unnamed stage FROM {stage.base}"
        assert "$" not in stage.base, "a build argument would hide which base is used"
        image, _, tag = stage.base.partition("@")[0].rpartition(":")
        assert image == "python" and re.fullmatch(r"3\.\d+-slim-bookworm", tag), stage.base
    assert len({s.base for s in stages}) == 1, "builder and runtime share one base, so the wheels fit it"


def test_the_final_stage_runs_as_a_numeric_non_root_user(final: Stage) -> None:
    users = final.values("USER")
    assert users, "the final stage sets USER"
    uid, _, gid = users[-1].partition(":")
    assert uid.isdigit() and int(uid) != 0, users[-1]
    assert gid.isdigit() and int(gid) != 0, users[-1]
    kinds = [i["instruction"] for i in final.instructions]
    assert "RUN" not in kinds[kinds.index("USER") :], "USER comes after the last RUN: root is needed only to install"


def test_the_chart_runs_the_image_as_the_dockerfiles_user(final: Stage) -> None:
    uid, _, gid = final.values("USER")[-1].partition(":")
    pods = [obj["spec"]["template"]["spec"] for obj in chart.render() if obj["kind"] in ("Deployment", "Job")]
    assert pods
    for pod in pods:
        assert pod["securityContext"]["runAsUser"] == int(uid)
        assert pod["securityContext"]["runAsGroup"] == int(gid)


def test_the_final_stage_installs_no_compiler_and_only_tini_from_debian(final: Stage, stages: list[Stage]) -> None:
    assert _apt_packages(final) == ["tini"]
    words = {w for command in _shell_commands(final) for w in command}
    assert not words & set(COMPILERS)
    # The builder does not need one either: dependencies come as wheels only.
    assert not set(_apt_packages(stages[0])) & set(COMPILERS)


def test_the_final_stage_installs_only_the_builders_wheels(final: Stage) -> None:
    pip = [words for words in _shell_commands(final) if words[:2] == ["pip", "install"]]
    assert len(pip) == 1, pip
    assert "--no-index" in pip[0]
    assert any(w == "--find-links" or w.startswith("--find-links=") for w in pip[0])


def test_nothing_is_added_from_a_url_and_copies_come_only_from_earlier_named_stages(stages: list[Stage]) -> None:
    for n, stage in enumerate(stages):
        assert not stage.values("ADD"), "ADD fetches URLs and unpacks archives implicitly: use COPY"
        earlier = {s.name for s in stages[:n]}
        sources = [f for v in stage.values("COPY") for f in _flags(v, "from")]
        sources += [m for v in stage.values("RUN") for f in _flags(v, "mount") for m in re.findall(r"from=([^,]+)", f)]
        assert set(sources) <= earlier, f"stage {stage.name} copies from {sources}, earlier stages are {earlier}"
    assert any(_flags(v, "mount") for v in stages[-1].values("RUN")), "the wheels reach the runtime stage"


def test_the_image_has_no_healthcheck_because_kubernetes_probes_own_health(stages: list[Stage]) -> None:
    assert not [s.name for s in stages if s.values("HEALTHCHECK")]


def test_tini_is_pid_1_and_the_default_command_is_the_api(final: Stage) -> None:
    assert [json.loads(v) for v in final.values("ENTRYPOINT")] == [["/usr/bin/tini", "--"]]
    assert [json.loads(v) for v in final.values("CMD")] == [["python", "-m", "services.api"]]


def test_the_environment_points_scratch_at_the_directory_the_chart_mounts_writable(final: Stage) -> None:
    env = DockerfileParser(fileobj=io.BytesIO(DOCKERFILE.read_bytes())).envs
    assert env["PYTHONDONTWRITEBYTECODE"] == "1" and env["PYTHONUNBUFFERED"] == "1"
    assert final.values("WORKDIR")[-1] == env["HWE_STATE_DIR"]
    for obj in chart.render():
        if obj["kind"] not in ("Deployment", "Job"):
            continue
        pod = obj["spec"]["template"]["spec"]
        empty_dirs = {v["name"] for v in pod.get("volumes", []) if "emptyDir" in v}
        for container in pod.get("initContainers", []) + pod["containers"]:
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
            mounted = {m["mountPath"] for m in container.get("volumeMounts", []) if m["name"] in empty_dirs}
            # A `python -c` probe writes nothing; engine code (a service, `hwe`) writes under HWE_STATE_DIR.
            writable = {"/tmp"} if container["args"][:2] == ["python", "-c"] else {"/tmp", env["HWE_STATE_DIR"]}
            assert writable <= mounted, f"{obj['metadata']['name']}/{container['name']} mounts {mounted}"


def test_the_oci_labels_name_the_source_and_the_projects_license(final: Stage) -> None:
    labels = DockerfileParser(fileobj=io.BytesIO(DOCKERFILE.read_bytes())).labels
    license_ = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"]
    assert labels["org.opencontainers.image.licenses"] == license_
    assert labels["org.opencontainers.image.source"].startswith("https://")
    assert labels["org.opencontainers.image.title"]


def _dockerignore() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _ignored(path: str, patterns: list[str]) -> bool:
    # Docker's rules, as far as this file needs them: the last matching line wins, `!` re-includes, and a line
    # matches a path when it matches the path or one of its parent folders (`**/` any folder's name).
    parts = path.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    ignored = False
    for line in patterns:
        pattern = line.removeprefix("!")
        if pattern.startswith("**/"):
            hit = any(fnmatch.fnmatchcase(part, pattern[3:]) for part in parts)
        else:
            hit = any(fnmatch.fnmatchcase(prefix, pattern) for prefix in prefixes)
        if hit:
            ignored = not line.startswith("!")
    return ignored


def test_the_build_context_leaves_out_local_state_and_caches() -> None:
    patterns = _dockerignore()
    assert [path for path in OUTSIDE_THE_CONTEXT if not _ignored(path, patterns)] == []


def _builder_copies(stages: list[Stage]) -> list[str]:
    sources = []
    for value in stages[0].values("COPY"):
        assert not _flags(value, "from")
        sources += [w for w in value.split() if not w.startswith("--")][:-1]
    return sources


def test_the_build_context_keeps_everything_the_builder_copies(stages: list[Stage]) -> None:
    patterns = _dockerignore()
    sources = _builder_copies(stages)
    assert {"pyproject.toml", "hwe", "services"} <= set(sources)
    assert [s for s in sources if _ignored(s, patterns) or not (ROOT / s).exists()] == []


@pytest.fixture(scope="module")
def wheel(stages: list[Stage], tmp_path_factory: pytest.TempPathFactory) -> Iterator[zipfile.ZipFile]:
    # Built from a copy of exactly what the builder stage copies, so a file the Dockerfile forgets fails here.
    source = tmp_path_factory.mktemp("context")
    junk = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")
    for name in _builder_copies(stages):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=junk)
        else:
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("wheels")
    command = [sys.executable, "-m", *PIP_WHEEL, "--wheel-dir", str(out), str(source)]
    subprocess.run(command, check=True, timeout=300, capture_output=True)
    [built] = out.glob("highway_engine-*.whl")
    with zipfile.ZipFile(built) as archive:
        yield archive


def _package_files(top: str) -> set[str]:
    return {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / top).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


def test_the_wheel_carries_every_migration_query_template_and_the_dsl_prompt(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    for pattern in ("hwe/migrations/*.sql", "hwe/sql/queries/*.sql", "hwe/templates/*.json", "hwe/cli/dsl_prompt.md"):
        expected = {p.relative_to(ROOT).as_posix() for p in ROOT.glob(pattern)}
        assert expected, pattern
        assert expected - names == set(), pattern


def test_the_wheel_carries_every_file_of_the_services_and_the_engine(wheel: zipfile.ZipFile) -> None:
    # Non-Python files too (a console template, a query): package data that pyproject forgot is missing here.
    missing = (_package_files("services") | _package_files("hwe")) - set(wheel.namelist())
    assert missing == set()


def _entry_points(wheel: zipfile.ZipFile) -> configparser.ConfigParser:
    [path] = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
    parser = configparser.ConfigParser()
    parser.read_string(wheel.read(path).decode())
    return parser


def _image_commands(final: Stage) -> list[tuple[str, list[str]]]:
    commands = [("Dockerfile CMD", json.loads(final.values("CMD")[-1]))]
    for obj in chart.render():
        spec = obj.get("spec", {})
        pod = spec.get("template", {}).get("spec") or (spec if obj["kind"] == "Pod" else None)
        for container in (pod or {}).get("initContainers", []) + (pod or {}).get("containers", []):
            if container["image"].startswith(IMAGE_REPOSITORY):
                where = f"{obj['kind']} {obj['metadata']['name']}/{container['name']}"
                assert "command" not in container, f"{where} replaces the entrypoint: tini would not be PID 1"
                commands.append((where, container["args"]))
    return commands


def test_every_command_the_image_and_the_chart_run_exists_in_the_wheel(final: Stage, wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    scripts = _entry_points(wheel)["console_scripts"]
    commands = _image_commands(final)
    assert len(commands) > 6, "the chart runs every service in the image"
    for where, args in commands:
        if args[:2] == ["python", "-m"]:
            module = args[2].replace(".", "/")
            assert {f"{module}/__main__.py", f"{module}.py"} & names, f"{where}: {args[2]} is not in the wheel"
        elif args[:2] == ["python", "-c"]:
            compile(args[2], where, "exec")
        else:
            assert args[0] in scripts, f"{where}: {args[0]} is not a console script of the wheel"


def test_the_chart_runs_every_service_of_the_wheel(final: Stage, wheel: zipfile.ZipFile) -> None:
    services = {n.split("/")[1] for n in wheel.namelist() if re.fullmatch(r"services/\w+/__main__\.py", n)}
    started = {args[2].removeprefix("services.") for _, args in _image_commands(final) if args[:2] == ["python", "-m"]}
    assert services == started == {"api", "worker", "scheduler", "timeout", "audit", "operator"}
