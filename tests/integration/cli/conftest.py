"""Runs `hwe` as a real subprocess against the API of this xdist worker."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.conftest import Tenant

HweRunner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def hwe(tmp_path: Path) -> HweRunner:
    """Runs `hwe ARGS` as `tenant` (its admin key unless `key` is given) and returns the finished process."""

    def run(
        tenant: Tenant, *args: str, key: str | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HWE_")}
        env.update(
            {
                "HWE_API_URL": tenant.api_url,
                "HWE_STATE_DIR": str(tmp_path / "state"),
                "COLUMNS": "200",
            }
        )
        if key != "":  # an empty key: no HWE_API_KEY, so the CLI falls back to the dev key file
            env["HWE_API_KEY"] = key or tenant.key
        return subprocess.run(
            [sys.executable, "-m", "hwe.cli.main", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=tmp_path,
        )

    return run
