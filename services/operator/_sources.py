"""What a Workflow resource asks the engine to run: the submission body, and the key to send it with.

Reads the definition (inline, a stored one by name, or a ConfigMap key) and the inputs (`inputsFrom` ConfigMap
and Secret keys, then `spec.inputs` on top, as `envFrom` and `env` combine in a Pod) at submission time.
Input values go to the engine only: never into the resource's status, its Events or the log.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from services.operator import _errors, _kube

API_KEY_SECRET = "highway-api-key"  # noqa: S105 (the Secret's name, not a secret)
API_KEY_FIELD = "api-key"
DEFINITION_SOURCES = ("definition", "workflowRef", "definitionFrom")


def api_key_for(namespace: str, kube: _kube.Kube, operator_key: str | None) -> str:
    """The namespace's own key (Secret `highway-api-key`, key `api-key`) when it has one, else the operator's."""
    namespace_key = kube.secret_value(namespace, API_KEY_SECRET, API_KEY_FIELD)
    if namespace_key is not None and namespace_key.strip():
        return namespace_key.strip()
    if operator_key is None:
        raise _errors.Temporary(
            "NoApiKey",
            f"no API key: create Secret {API_KEY_SECRET} (key {API_KEY_FIELD}) in namespace {namespace}, "
            "or give the operator one",
        )
    return operator_key


def submission_body(spec: Mapping[str, Any], namespace: str, kube: _kube.Kube) -> dict[str, Any]:
    """The body of `POST /api/v1/workflows` for this spec.

    Raises:
        Permanent: the spec cannot be read (no or several definition sources, a malformed reference or input).
        Temporary: a ConfigMap or Secret it refers to does not exist (yet).
    """
    given = [source for source in DEFINITION_SOURCES if spec.get(source) is not None]
    if len(given) != 1:
        raise _errors.Permanent(
            "InvalidSpec", "set exactly one of spec.definition, spec.workflowRef and spec.definitionFrom"
        )
    body: dict[str, Any] = {"inputs": _inputs(spec, namespace, kube)}
    if given[0] == "definition":
        body["workflow_definition"] = _object(spec["definition"], "spec.definition")
    elif given[0] == "workflowRef":
        reference = _object(spec["workflowRef"], "spec.workflowRef")
        body["definition_name"] = reference.get("name")
        if reference.get("version") is not None:
            body["definition_version"] = reference["version"]
    else:
        name, key = _key_ref(spec["definitionFrom"], "configMapKeyRef", "spec.definitionFrom")
        # JSON is YAML: the engine reads either, and names the line of a mistake.
        body["workflow_yaml"] = kube.config_map_value(namespace, name, key)
    return body


def _inputs(spec: Mapping[str, Any], namespace: str, kube: _kube.Kube) -> dict[str, Any]:
    inputs: dict[str, Any] = {}
    sources = spec.get("inputsFrom") or []
    if not isinstance(sources, list):
        raise _errors.Permanent("InvalidSpec", "spec.inputsFrom must be a list")
    for index, source in enumerate(sources):
        where = f"spec.inputsFrom[{index}]"
        source = _object(source, where)
        kinds = [kind for kind in ("configMapKeyRef", "secretKeyRef") if source.get(kind) is not None]
        if len(kinds) != 1:
            raise _errors.Permanent("InvalidSpec", f"{where}: set exactly one of configMapKeyRef and secretKeyRef")
        name, key = _key_ref(source, kinds[0], where)
        if kinds[0] == "configMapKeyRef":
            text = kube.config_map_value(namespace, name, key)
        else:
            secret_text = kube.secret_value(namespace, name, key)
            if secret_text is None:
                raise _errors.Temporary("SecretNotFound", f"Secret {name} does not exist in namespace {namespace}")
            text = secret_text
        if source.get("name") is not None:
            inputs[str(source["name"])] = text
        else:
            inputs.update(_mapping_text(text, f"{where}: key {key} of {name}"))
    inputs.update(_object(spec.get("inputs") or {}, "spec.inputs"))
    return inputs


def _mapping_text(text: str, where: str) -> dict[str, Any]:
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise _errors.Permanent("InvalidInputs", f"{where} is neither JSON nor YAML") from err
    if not isinstance(value, dict):
        raise _errors.Permanent("InvalidInputs", f"{where} holds no JSON or YAML object; give the item a name")
    return value


def _key_ref(holder: Any, field: str, where: str) -> tuple[str, str]:
    reference = _object(_object(holder, where).get(field), f"{where}.{field}")
    name, key = reference.get("name"), reference.get("key")
    if not isinstance(name, str) or not name or not isinstance(key, str) or not key:
        raise _errors.Permanent("InvalidSpec", f"{where}.{field} needs a name and a key")
    return name, key


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _errors.Permanent("InvalidSpec", f"{where} must be an object")
    return value
