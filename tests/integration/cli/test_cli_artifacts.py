"""`hwe artifacts`: zip archives uploaded, inspected, checked for and deleted."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

from tests.integration.cli.conftest import HweRunner
from tests.integration.conftest import Tenant


def _archive(tmp_path: Path) -> Path:
    path = tmp_path / "code.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("pkg/__init__.py", "def hello(ctx):\n    return 'hi'\n")
    return path


def test_upload_prints_the_archives_sha256_as_its_id(tenant: Tenant, hwe: HweRunner, tmp_path: Path) -> None:
    path = _archive(tmp_path)

    done = hwe(tenant, "artifacts", "upload", "code.zip")
    shown = json.loads(hwe(tenant, "artifacts", "get", done.stdout.strip(), "--json").stdout)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == hashlib.sha256(path.read_bytes()).hexdigest()
    assert shown["size"] == path.stat().st_size


def test_exists_exits_0_until_the_artifact_is_deleted_then_1(tenant: Tenant, hwe: HweRunner, tmp_path: Path) -> None:
    _archive(tmp_path)
    artifact_id = hwe(tenant, "artifacts", "upload", "code.zip").stdout.strip()

    before = hwe(tenant, "artifacts", "exists", artifact_id)
    deleted = hwe(tenant, "artifacts", "delete", artifact_id)
    after = hwe(tenant, "artifacts", "exists", artifact_id)

    assert before.returncode == 0, before.stderr
    assert deleted.returncode == 0, deleted.stderr
    assert after.returncode == 1
    assert f"no artifact {artifact_id}" in after.stderr


def test_uploading_something_that_is_not_a_zip_exits_1_with_the_apis_reason(
    tenant: Tenant, hwe: HweRunner, tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("not an archive")

    refused = hwe(tenant, "artifacts", "upload", "notes.txt")
    missing = hwe(tenant, "artifacts", "upload", "absent.zip")

    assert refused.returncode == 1
    assert "invalid_artifact: an artifact must be a zip archive" in refused.stderr
    assert missing.returncode == 2
