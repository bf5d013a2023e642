"""Reads the ConfigMap and Secret keys a Workflow resource refers to, as the operator's service account.

kopf watches the Workflow resources itself; this is the operator's only other use of the Kubernetes API: plain
GETs with the credentials kopf logged in with (in-cluster service account, else `KUBECONFIG`). Values are
returned to the caller and never logged.
"""

from __future__ import annotations

import base64
import binascii
import ssl
import tempfile
from pathlib import Path
from typing import Any

import httpx
import kopf

from services.operator import _errors

TIMEOUT_SECONDS = 10.0


class Kube:
    """An HTTP client of the Kubernetes API for namespaced GETs of ConfigMaps and Secrets."""

    def __init__(self, info: kopf.ConnectionInfo) -> None:
        self._scratch = tempfile.TemporaryDirectory(prefix="hwe-operator-")
        headers = {"User-Agent": "hwe-operator"}
        if info.token:
            headers["Authorization"] = f"{info.scheme or 'Bearer'} {info.token}"
        auth = httpx.BasicAuth(info.username, info.password or "") if info.username else None
        self._http = httpx.Client(
            base_url=info.server.rstrip("/"),
            headers=headers,
            auth=auth,
            verify=self._tls(info),
            timeout=TIMEOUT_SECONDS,
            trust_env=False,
        )

    def close(self) -> None:
        """Closes the connection pool and deletes the client certificate files."""
        self._http.close()
        self._scratch.cleanup()

    def config_map_value(self, namespace: str, name: str, key: str) -> str:
        """The text under `key` of a ConfigMap; `Temporary` when the ConfigMap or the key is missing."""
        data = self._get(namespace, "configmaps", name, "ConfigMapNotFound")
        value = (data.get("data") or {}).get(key)
        if value is None:
            raise _errors.Temporary("ConfigMapKeyNotFound", f"ConfigMap {name} has no key {key}")
        return str(value)

    def secret_value(self, namespace: str, name: str, key: str) -> str | None:
        """The UTF-8 text under `key` of a Secret; None when the Secret does not exist."""
        try:
            data = self._get(namespace, "secrets", name, "SecretNotFound")
        except _errors.Temporary as err:
            if err.reason == "SecretNotFound":
                return None
            raise
        encoded = (data.get("data") or {}).get(key)
        if encoded is None:
            raise _errors.Temporary("SecretKeyNotFound", f"Secret {name} has no key {key}")
        try:
            return base64.b64decode(encoded, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError) as err:
            raise _errors.Permanent("InvalidSecret", f"Secret {name} key {key} is not UTF-8 text") from err

    def _get(self, namespace: str, plural: str, name: str, missing_reason: str) -> dict[str, Any]:
        try:
            response = self._http.get(f"/api/v1/namespaces/{namespace}/{plural}/{name}")
        except httpx.TransportError as err:
            raise _errors.Temporary("KubernetesUnavailable", f"cannot read {plural} ({type(err).__name__})") from err
        if response.status_code == 404:
            kind = "ConfigMap" if plural == "configmaps" else "Secret"
            raise _errors.Temporary(missing_reason, f"{kind} {name} does not exist in namespace {namespace}")
        if response.status_code == 403:
            raise _errors.Temporary("Forbidden", f"the operator may not read {plural} in namespace {namespace}")
        if not response.is_success:
            raise _errors.Temporary("KubernetesUnavailable", f"reading {plural} answered {response.status_code}")
        body: dict[str, Any] = response.json()
        return body

    def _tls(self, info: kopf.ConnectionInfo) -> ssl.SSLContext | bool:
        if not info.server.startswith("https"):
            return True
        if info.insecure:
            return False
        context = ssl.create_default_context(
            cafile=None if info.ca_path is None else str(info.ca_path),
            cadata=None if info.ca_data is None else _pem(info.ca_data).decode(),
        )
        certificate = self._file(info.certificate_path, info.certificate_data, "client.crt")
        private_key = self._file(info.private_key_path, info.private_key_data, "client.key")
        if certificate is not None:
            context.load_cert_chain(certificate, private_key)
        return context

    def _file(self, path: Any, data: str | bytes | None, name: str) -> str | None:
        """A kubeconfig's client certificate or key as a file: its own path, or its data written privately."""
        if path is not None:
            return str(path)
        if data is None:
            return None
        target = Path(self._scratch.name) / name
        target.touch(mode=0o600)
        target.write_bytes(_pem(data))
        return str(target)


def _pem(data: str | bytes) -> bytes:
    """Kubeconfig `*-data` fields are base64 of PEM; accept PEM itself too."""
    raw = data.encode() if isinstance(data, str) else data
    if raw.lstrip().startswith(b"-----BEGIN"):
        return raw
    return base64.b64decode(raw)
