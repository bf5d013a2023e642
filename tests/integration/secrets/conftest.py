"""Vault's Kubernetes auth method for real: an OpenBao dev server whose `kubernetes` auth method asks a
loopback Kubernetes API emulator (kmock, `token_review_emulator.py`) to review each login's JWT.

The JWTs are crafted here: unsigned as far as OpenBao can tell (it verifies no signature when the auth
method has no `pem_keys`, as when it trusts the apiserver's TokenReview), with a projected service
account token's claims (issuer, audience `vault`, `kubernetes.io` namespace and service account).
OpenBao is configured as the chart's docs say, except `disable_iss_validation`, an http `kubernetes_host`
on loopback, and a CA certificate it never uses.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hvac
import pytest

from tests.integration.conftest import STARTUP_TIMEOUT, free_port, wait_until
from tests.integration.dsl.test_secrets import OpenBao, openbao  # noqa: F401  (the OpenBao dev server fixture)

NAMESPACE, SERVICE_ACCOUNT = "highway", "highway-worker"
ROLE, SHORT_ROLE, BATCH_ROLE = "highway", "highway-short", "highway-batch"
# OpenBao insists on a CA certificate for the apiserver once it must not read the pod's own; it is never used
# (kubernetes_host is http). A throwaway self-signed certificate whose key was discarded.
UNUSED_CA = """-----BEGIN CERTIFICATE-----
MIIBmjCCAT+gAwIBAgIUZlpvZAkz41G6LR/BpyEgSQalI2QwCgYIKoZIzj0EAwIw
ITEfMB0GA1UEAwwWaGlnaHdheS10ZXN0LXVudXNlZC1jYTAgFw0yNjEyMDEyMzMy
NTBaGA8yMTI2MTEwNzIzMzI1MFowITEfMB0GA1UEAwwWaGlnaHdheS10ZXN0LXVu
dXNlZC1jYTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABDJA2Yt92rHtapYJLpzJ
QFubi/5OcuOrGuoJoZpXjgCfZDefkkVGTvZDJego/+r/K6Fy1Fp37X0LjSqwz/0j
9GqjUzBRMB0GA1UdDgQWBBS6AHJo4Gp8fhu/SFhN2BVwWd4vQDAfBgNVHSMEGDAW
gBS6AHJo4Gp8fhu/SFhN2BVwWd4vQDAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49
BAMCA0kAMEYCIQDbRMoKhL243/clftssYT8z0G1bxQJc1GXbTCAqgy03PQIhAOL9
/h2FmSUu1sXZoytXdOP7NeUJB7qck+YJMFNHHoiW
-----END CERTIFICATE-----
"""
POLICY = """
path "secret/data/highway/engine/*" { capabilities = ["read"] }
path "secret/data/highway/tenants/*" { capabilities = ["create", "update", "read"] }
"""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def service_account_jwt(namespace: str, name: str, uid: str) -> str:
    """A JWT shaped like a projected service-account token with audience `vault`; its signature is random."""
    now = int(time.time())
    claims = {
        "iss": "https://kubernetes.default.svc.cluster.local",
        "sub": f"system:serviceaccount:{namespace}:{name}",
        "aud": ["vault"],
        "iat": now,
        "exp": now + 3600,
        "kubernetes.io": {"namespace": namespace, "serviceaccount": {"name": name, "uid": uid}},
    }
    header = {"alg": "RS256", "kid": "test", "typ": "JWT"}
    return ".".join((_b64(json.dumps(header).encode()), _b64(json.dumps(claims).encode()), _b64(os.urandom(256))))


@dataclass(frozen=True)
class KubernetesVault:
    """OpenBao with the kubernetes auth method in front of the emulator, and the JWTs it knows."""

    bao: OpenBao
    worker_jwt: str  # the worker's service account: the emulator authenticates it
    unknown_jwt: str  # same claims, but a token the emulator never issued
    token_file: Path  # where the tests put the "projected" token; starts with worker_jwt

    def root(self) -> hvac.Client:
        return self.bao.client()


@pytest.fixture(scope="module")
def kubernetes_vault(openbao: OpenBao, tmp_path_factory: pytest.TempPathFactory) -> Iterator[KubernetesVault]:  # noqa: F811
    """The module's OpenBao with `auth/kubernetes` and the roles `highway`, `highway-short` and `highway-batch`."""
    directory = tmp_path_factory.mktemp("token_reviews")
    uid = str(uuid.uuid4())
    worker_jwt = service_account_jwt(NAMESPACE, SERVICE_ACCOUNT, uid)
    account = {"username": f"system:serviceaccount:{NAMESPACE}:{SERVICE_ACCOUNT}", "uid": uid}
    accounts = {worker_jwt: {**account, "groups": ["system:serviceaccounts"], "audiences": ["vault"]}}
    (directory / "accounts.json").write_text(json.dumps(accounts))
    port, ready_file = free_port(), directory / "ready"
    command = [sys.executable, "-m", "tests.integration.secrets.token_review_emulator", "--port", str(port)]
    command += ["--accounts", str(directory / "accounts.json"), "--ready-file", str(ready_file)]
    with (directory / "emulator.log").open("wb") as log_file:
        emulator = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        wait_until(ready_file.exists, STARTUP_TIMEOUT, "the token review emulator to listen")
        _configure(openbao.client(), f"http://127.0.0.1:{port}")
        token_file = directory / "token"
        token_file.write_text(worker_jwt)
        yield KubernetesVault(openbao, worker_jwt, service_account_jwt(NAMESPACE, SERVICE_ACCOUNT, uid), token_file)
    finally:
        emulator.terminate()
        try:
            emulator.wait(timeout=10)
        except subprocess.TimeoutExpired:
            emulator.kill()
            emulator.wait()


def _configure(root: hvac.Client, kubernetes_host: str) -> None:
    root.sys.enable_auth_method("kubernetes")
    config: dict[str, Any] = {"kubernetes_host": kubernetes_host, "kubernetes_ca_cert": UNUSED_CA}
    # Not inside a pod: OpenBao must neither read a local CA and JWT nor expect the apiserver's issuer.
    config |= {"disable_local_ca_jwt": True, "disable_iss_validation": True}
    root.write_data("auth/kubernetes/config", data=config)
    root.sys.create_or_update_policy("highway", POLICY)
    bound = {"bound_service_account_names": SERVICE_ACCOUNT, "bound_service_account_namespaces": NAMESPACE}
    bound |= {"audience": "vault", "token_policies": "highway"}
    root.write_data(f"auth/kubernetes/role/{ROLE}", data={**bound, "token_ttl": "1h", "token_max_ttl": "2h"})
    root.write_data(f"auth/kubernetes/role/{SHORT_ROLE}", data={**bound, "token_ttl": "3s", "token_max_ttl": "6s"})
    # Batch tokens cannot be renewed: past the renewal point the provider must log in again.
    root.write_data(f"auth/kubernetes/role/{BATCH_ROLE}", data={**bound, "token_ttl": "1h", "token_type": "batch"})
    root.secrets.kv.v2.create_or_update_secret(path="highway/engine/api_key_pepper", secret={"value": "k8s-pepper"})
