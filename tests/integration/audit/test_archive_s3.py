"""The audit archive in DataShard's S3 mode, against moto's standalone S3 server on loopback.

moto is an emulator, not AWS: it shows that Highway and DataShard speak S3 correctly to a server that honours
conditional PUTs (DataShard probes for them and runs its compare-and-swap lock; no unsafe lock is allowed here),
not how AWS or any other provider behaves. The records, partitions and helpers are test_archive.py's; `hwe` and the
API run as subprocesses with the S3 settings in their environment, and no AWS setting of the machine leaks in.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from hwe import archive_store, db, errors
from tests.integration.audit.test_archive import _days_ago, _exists, _export, _insert, _partition
from tests.integration.conftest import Service, Tenant, free_port, start_api_process, wait_until

KEYS = {"access": "hwe-test-access", "secret": "hwe-test-secret"}


@dataclass(frozen=True)
class S3Archive:
    """A fresh bucket on the moto server, the archive location in it and the environment that reaches it."""

    client: Any
    bucket: str
    location: str
    env: dict[str, str]

    def keys(self, under: str) -> list[str]:
        listed = self.client.list_objects_v2(Bucket=self.bucket, Prefix=under)
        return [item["Key"] for item in listed.get("Contents", [])]


def _clean_environment() -> dict[str, str]:
    """This process's environment without Highway, AWS, DataShard or proxy settings: only what a test sets counts."""
    dropped = ("HWE_", "AWS_", "DATASHARD_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped) and not k.upper().endswith("_PROXY")}
    env.update(
        {
            "AWS_EC2_METADATA_DISABLED": "true",  # boto3 never asks 169.254.169.254 for credentials
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "NO_PROXY": "127.0.0.1",
        }
    )
    return env


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto's S3 server on a free loopback port, stopped after this module's tests."""
    port, log = free_port(), tmp_path_factory.mktemp("moto") / "moto.log"
    with log.open("wb") as log_file:  # the child keeps its own copy of the descriptor
        command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
        process = subprocess.Popen(command, env=_clean_environment(), stdout=log_file, stderr=subprocess.STDOUT)
    server = Service(process, log)
    endpoint = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        assert server.process.poll() is None, server.log()
        try:
            return httpx.get(f"{endpoint}/moto-api/", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_until(answers, 30, f"moto's S3 server at {endpoint}")
        yield endpoint
    finally:
        server.stop()


@pytest.fixture
def s3_archive(s3_endpoint: str, service_env: dict[str, str]) -> S3Archive:
    """An empty bucket of its own, and the environment of a process that archives to s3://BUCKET/trail."""
    bucket = f"hwe-audit-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEYS["access"],
        aws_secret_access_key=KEYS["secret"],
    )
    client.create_bucket(Bucket=bucket)
    env = {k: v for k, v in service_env.items() if k.startswith("HWE_")} | _clean_environment()
    location = f"s3://{bucket}/trail"
    env.update(
        {
            "HWE_AUDIT_ARCHIVE_PATH": location,
            "DATASHARD_STORAGE_TYPE": "s3",
            "DATASHARD_S3_ENDPOINT": s3_endpoint,
            "DATASHARD_S3_BUCKET": bucket,
            "DATASHARD_S3_REGION": "us-east-1",
            "DATASHARD_S3_ACCESS_KEY": KEYS["access"],
            "DATASHARD_S3_SECRET_KEY": KEYS["secret"],
        }
    )
    return S3Archive(client, bucket, location, env)


@pytest.fixture
def hwe_s3(s3_archive: S3Archive, tmp_path: Path) -> Any:
    """Runs `hwe audit ARGS` with the archive on S3, in tmp_path (where a misdirected local archive would appear)."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "hwe.cli.main", "audit", *args],
            env=s3_archive.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            cwd=tmp_path,
        )

    return run


def _archived_snapshot(done: subprocess.CompletedProcess[str], day: object) -> int:
    """The snapshot `hwe audit archive` reports for `day`, after checking that it archived and dropped it."""
    assert done.returncode == 0, done.stderr
    found = re.search(rf"^{day}: \d+ record\(s\) archived, .* partition dropped, snapshot (\d+)$", done.stdout, re.M)
    assert found, done.stdout
    return int(found.group(1))


def test_days_archived_to_s3_leave_postgres_and_export_and_time_travel_read_them_from_the_bucket(
    conn: db.Connection, tenant: Tenant, s3_archive: S3Archive, hwe_s3: Any, tmp_path: Path
) -> None:
    run_id, early, late = uuid.uuid4(), _days_ago(conn, 24), _days_ago(conn, 19)
    partitions = [_partition(conn, early), _partition(conn, late)]
    early_ids = _insert(conn, tenant.tenant_id, run_id, early, 2)
    late_ids = _insert(conn, tenant.tenant_id, run_id, late, 3)
    before = _export(hwe_s3, "--workflow-run-id", str(run_id))  # no table under the prefix yet: PostgreSQL alone

    # 21 days (plus the 5 minutes' grace) takes the early day only; no other test uses days this old.
    first = _archived_snapshot(hwe_s3("archive", "--older-than", "21d"), early)
    assert not _exists(conn, partitions[0]) and _exists(conn, partitions[1])
    second = _archived_snapshot(hwe_s3("archive", "--older-than", "0s"), late)

    assert not _exists(conn, partitions[1])
    in_postgres = conn.execute("SELECT count(*) AS n FROM hwe.event_log WHERE workflow_run_id = %s", (run_id,))
    assert in_postgres.fetchone()["n"] == 0
    after = _export(hwe_s3, "--workflow-run-id", str(run_id))
    assert after == before and [r["event_id"] for r in after] == early_ids + late_ids
    then = _export(hwe_s3, "--workflow-run-id", str(run_id), "--as-of", str(first))
    now = _export(hwe_s3, "--workflow-run-id", str(run_id), "--as-of", str(second))
    assert [r["event_id"] for r in then] == early_ids
    assert [r["event_id"] for r in now] == early_ids + late_ids
    booked = conn.execute(
        "SELECT day, snapshot_id FROM hwe.event_log_archive WHERE tenant_id = %s ORDER BY day", (tenant.tenant_id,)
    ).fetchall()
    assert [(b["day"], b["snapshot_id"]) for b in booked] == [(early, first), (late, second)]
    # The table is in the bucket under the location's prefix, recorded there as that location, and nowhere local.
    assert any(key.endswith(".parquet") for key in s3_archive.keys("trail/data/"))
    hint = s3_archive.client.get_object(Bucket=s3_archive.bucket, Key="trail/metadata/version-hint.text")
    current = hint["Body"].read().decode().strip()
    metadata = s3_archive.client.get_object(Bucket=s3_archive.bucket, Key=f"trail/metadata/v{current}.metadata.json")
    assert json.loads(metadata["Body"].read())["location"] == s3_archive.location
    assert list(tmp_path.iterdir()) == []


def test_the_api_lists_a_runs_records_archived_on_s3_with_the_others(
    conn: db.Connection, tenant: Tenant, s3_archive: S3Archive, hwe_s3: Any, tmp_path: Path
) -> None:
    run_id, day = uuid.uuid4(), _days_ago(conn, 23)
    _partition(conn, day)
    ids = _insert(conn, tenant.tenant_id, run_id, day, 2)
    _archived_snapshot(hwe_s3("archive", "--older-than", "0s"), day)
    api: Service | None = None
    try:
        api, url = start_api_process(s3_archive.env, tmp_path / "api.log")
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {tenant.key}"}, timeout=10) as client:
            listed = client.get("/api/v1/admin/audit-logs", params={"workflow_run_id": str(run_id)})
            one = client.get(f"/api/v1/admin/audit-logs/{ids[0]}")
    finally:
        if api is not None:
            api.stop()

    assert listed.status_code == 200, listed.text
    assert [r["log_id"] for r in listed.json()["data"]["audit_logs"]] == sorted(ids, reverse=True)
    assert listed.json()["data"]["total"] == 2
    assert one.status_code == 200, one.text
    assert one.json()["data"]["detail"] == {"n": 0, "day": str(day)}


def test_an_s3_location_that_datashards_environment_does_not_match_is_refused_and_nothing_is_written(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # without the check DataShard would create ./s3:/bucket/trail here
    for name in [k for k in os.environ if k.startswith("DATASHARD_")]:
        monkeypatch.delenv(name)
    refusals = {}

    for case, env, where in [
        ("local mode", {}, "s3://bucket/trail"),
        ("another bucket", {"DATASHARD_STORAGE_TYPE": "s3", "DATASHARD_S3_BUCKET": "other"}, "s3://bucket/trail"),
        (
            "an extra prefix",
            {"DATASHARD_STORAGE_TYPE": "S3", "DATASHARD_S3_BUCKET": "bucket", "DATASHARD_S3_PREFIX": "x"},
            "s3://bucket/trail",
        ),
        ("another scheme", {"DATASHARD_STORAGE_TYPE": "s3", "DATASHARD_S3_BUCKET": "bucket"}, "gs://bucket/trail"),
        (
            "a local path in s3 mode",
            {"DATASHARD_STORAGE_TYPE": "s3", "DATASHARD_S3_BUCKET": "bucket"},
            str(tmp_path / "archive"),
        ),
    ]:
        with monkeypatch.context() as patch:
            for name, value in env.items():
                patch.setenv(name, value)
            with pytest.raises(errors.ConfigError) as refused:
                archive_store.open_table(where, create=True)
            refusals[case] = str(refused.value)

    assert "needs DATASHARD_STORAGE_TYPE=s3 and DATASHARD_S3_BUCKET=bucket" in refusals["local mode"]
    assert "DATASHARD_S3_BUCKET=bucket" in refusals["another bucket"]
    assert "unset DATASHARD_S3_PREFIX" in refusals["an extra prefix"]
    assert "neither a local directory nor s3://BUCKET/PREFIX" in refusals["another scheme"]
    assert "DATASHARD_STORAGE_TYPE=s3" in refusals["a local path in s3 mode"]
    assert list(tmp_path.iterdir()) == []
