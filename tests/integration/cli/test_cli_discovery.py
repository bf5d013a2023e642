"""Where `hwe` finds the API and its key from any directory: env, the user's profile (`hwe login`), `.hwe` upward."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from tests.integration.conftest import Tenant
from tests.workflow_examples import load


def _hwe(cwd: Path, home: Path, *args: str, stdin: str = "", **variables: str) -> subprocess.CompletedProcess[str]:
    """Runs `hwe` in `cwd` with no HWE_* setting but `variables`, and a home and config dir of the test's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HWE_") and k != "XDG_CONFIG_HOME"}
    env.update({"HOME": str(home), "COLUMNS": "200", **variables})
    cwd.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "hwe.cli.main", *args],
        env=env,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _submit(tenant: Tenant) -> str:
    run_id: str = tenant.submit(load("three_shell_steps"), {"name": "x"}).json()["data"]["workflow_run_id"]
    return run_id


def test_hwe_api_url_ending_in_api_v1_works_from_an_unrelated_directory(tenant: Tenant, tmp_path: Path) -> None:
    run_id = _submit(tenant)

    done = _hwe(
        tmp_path / "elsewhere",
        tmp_path / "home",
        "list",
        HWE_API_URL=f"{tenant.api_url}/api/v1/",
        HWE_API_KEY=tenant.key,
    )

    assert done.returncode == 0, done.stderr
    assert run_id in done.stdout


def test_hwe_api_url_that_is_not_a_base_url_says_what_it_expects(tmp_path: Path) -> None:
    done = _hwe(tmp_path, tmp_path / "home", "list", HWE_API_URL="127.0.0.1:8080", HWE_API_KEY="hw_x_y")

    assert done.returncode == 2
    assert "HWE_API_URL must be the API's base URL, such as http://127.0.0.1:8080" in done.stderr


def test_login_saves_a_profile_that_hwe_list_uses_from_any_directory(tenant: Tenant, tmp_path: Path) -> None:
    run_id = _submit(tenant)
    home = tmp_path / "home"

    login = _hwe(tmp_path / "a", home, "login", f"{tenant.api_url}/api/v1", "--api-key-stdin", stdin=tenant.key + "\n")
    listed = _hwe(tmp_path / "b" / "c", home, "list")

    assert login.returncode == 0, login.stderr
    assert listed.returncode == 0, listed.stderr
    assert run_id in listed.stdout
    profile_file = home / ".config" / "highway" / "config.json"
    assert stat.S_IMODE(profile_file.stat().st_mode) == 0o600
    saved = json.loads(profile_file.read_text())
    assert saved["current"] == "default"
    assert saved["profiles"]["default"] == {"api_url": tenant.api_url, "api_key": tenant.key}


def test_login_with_a_key_file_reads_the_key_from_that_file_under_xdg_config_home(
    tenant: Tenant, tmp_path: Path
) -> None:
    run_id = _submit(tenant)
    key_file = tmp_path / "key"
    key_file.write_text(tenant.key + "\n")
    config = tmp_path / "xdg"

    login = _hwe(
        tmp_path,
        tmp_path / "home",
        "login",
        tenant.api_url,
        "--api-key-file",
        str(key_file),
        XDG_CONFIG_HOME=str(config),
    )
    listed = _hwe(tmp_path / "other", tmp_path / "home", "list", XDG_CONFIG_HOME=str(config))

    assert login.returncode == 0, login.stderr
    assert run_id in listed.stdout
    saved = json.loads((config / "highway" / "config.json").read_text())
    assert saved["profiles"]["default"] == {"api_url": tenant.api_url, "api_key_file": str(key_file)}


def test_login_with_a_refused_key_saves_nothing(tenant: Tenant, tmp_path: Path) -> None:
    home = tmp_path / "home"

    done = _hwe(tmp_path, home, "login", tenant.api_url, "--api-key-stdin", stdin="hw_nope_nope\n")

    assert done.returncode == 1
    assert "HTTP 401" in done.stderr
    assert not (home / ".config" / "highway" / "config.json").exists()


def test_a_state_directory_found_upward_gives_the_url_and_the_dev_key(tenant: Tenant, tmp_path: Path) -> None:
    run_id = _submit(tenant)
    state = tmp_path / "clone" / ".hwe"
    state.mkdir(parents=True)
    (state / "api-url").write_text(tenant.api_url + "\n")
    (state / "dev-api-key").write_text(tenant.key + "\n")

    done = _hwe(tmp_path / "clone" / "docs" / "deep", tmp_path / "home", "list")

    assert done.returncode == 0, done.stderr
    assert run_id in done.stdout


def test_a_profile_key_is_never_sent_to_another_url(tenant: Tenant, tmp_path: Path) -> None:
    home = tmp_path / "home"
    _hwe(tmp_path, home, "login", tenant.api_url, "--api-key-stdin", stdin=tenant.key + "\n")
    other_url = tenant.api_url.replace("127.0.0.1", "localhost")

    done = _hwe(tmp_path / "x", home, "list", HWE_API_URL=other_url)

    assert done.returncode == 2
    assert f"no API key for {other_url}" in done.stderr
