"""`hwe bootstrap-key`: a production installation's first admin key, made where the services run, that the API takes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx


def _bootstrap_key(service_env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {**service_env, "HWE_ENV": "production"}
    command = [sys.executable, "-m", "hwe.cli.main", "bootstrap-key", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)


def test_a_bootstrap_key_made_in_production_mode_is_an_admin_key_the_api_accepts(
    service_env: dict[str, str], api_url: str
) -> None:
    made = _bootstrap_key(service_env)

    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    assert key and "\n" not in key  # the key alone on stdout, for $(...) in a shell
    assert key not in made.stderr
    headers = {"Authorization": f"Bearer {key}"}
    keys = httpx.get(f"{api_url}/api/v1/admin/api-keys", headers=headers, timeout=10)
    assert keys.status_code == 200, keys.text  # an admin-only route


def test_each_bootstrap_key_is_a_new_key_with_the_role_asked_for(service_env: dict[str, str], api_url: str) -> None:
    first, viewer = _bootstrap_key(service_env), _bootstrap_key(service_env, "--role", "viewer")

    assert first.returncode == 0 and viewer.returncode == 0, viewer.stderr
    assert first.stdout.strip() != viewer.stdout.strip()
    refused = httpx.get(
        f"{api_url}/api/v1/admin/api-keys", headers={"Authorization": f"Bearer {viewer.stdout.strip()}"}, timeout=10
    )
    assert refused.status_code == 403


def test_bootstrap_key_without_a_database_in_production_says_so_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HWE_")}
    env.update({"HWE_ENV": "production", "HWE_STATE_DIR": str(tmp_path)})
    done = subprocess.run(
        [sys.executable, "-m", "hwe.cli.main", "bootstrap-key"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "database" in done.stderr.lower()
