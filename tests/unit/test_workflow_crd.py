"""The Workflow CRD and the example resources: valid Kubernetes, and examples that its schema accepts.

A real apiserver would check resources against the CRD; none runs offline here, so its structural schema is
checked with kubernetes-validate and the examples against its openAPIV3Schema with jsonschema. The CEL rules
(`x-kubernetes-validations`) cannot be evaluated without an apiserver: the operator checks the same rule itself.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CRD_PATH = ROOT / "k8s" / "crd" / "workflows.highway.dev.yaml"
CHART_CRD_PATH = ROOT / "charts" / "highway" / "crds" / "workflows.highway.dev.yaml"
EXAMPLES = sorted((ROOT / "k8s" / "examples").glob("*.yaml"))
KUBERNETES_VERSIONS = ("1.28.0", "1.32.0", "1.35.0")


def _crd() -> dict[str, Any]:
    crd: dict[str, Any] = yaml.safe_load(CRD_PATH.read_text())
    return crd


def _schema() -> dict[str, Any]:
    """The version's openAPIV3Schema as JSON Schema: preserve-unknown-fields objects admit any field."""

    def convert(node: Any) -> Any:
        if isinstance(node, dict):
            converted = {k: convert(v) for k, v in node.items() if not k.startswith("x-kubernetes-")}
            closed = node.get("type") == "object" and not node.get("x-kubernetes-preserve-unknown-fields")
            if closed and "properties" in node:
                converted["additionalProperties"] = False
            return converted
        if isinstance(node, list):
            return [convert(item) for item in node]
        return node

    schema = convert(_crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"])
    schema["properties"]["metadata"] = {"type": "object"}
    return dict(schema)


def _example_workflows() -> list[dict[str, Any]]:
    documents = [doc for path in EXAMPLES for doc in yaml.safe_load_all(path.read_text()) if doc]
    return [doc for doc in documents if doc["kind"] == "Workflow"]


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_crd_is_a_valid_custom_resource_definition(version: str) -> None:
    kubernetes_validate.validate(_crd(), version, strict=True)


def test_chart_carries_a_byte_identical_copy_of_the_crd() -> None:
    assert CHART_CRD_PATH.read_bytes() == CRD_PATH.read_bytes()


def test_crd_names_the_resource_as_kubectl_users_type_it() -> None:
    spec = _crd()["spec"]
    version = spec["versions"][0]

    assert (spec["group"], spec["scope"]) == ("highway.dev", "Namespaced")
    assert spec["names"]["shortNames"] == ["hwf"]
    assert spec["names"]["categories"] == ["highway"]
    assert (version["name"], version["served"], version["storage"]) == ("v1alpha1", True, True)
    assert version["subresources"] == {"status": {}}
    assert [(c["name"], c.get("priority", 0)) for c in version["additionalPrinterColumns"]] == [
        ("Phase", 0),
        ("Progress", 0),
        ("Run", 1),
        ("Age", 0),
        ("Message", 1),
    ]


def test_crd_requires_exactly_one_definition_source_by_a_cel_rule() -> None:
    spec_schema = _crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    rule = spec_schema["x-kubernetes-validations"][0]["rule"]

    assert all(f"has(self.{source})" in rule for source in ("definition", "workflowRef", "definitionFrom"))
    assert rule.endswith("size() == 1")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_document_is_valid_kubernetes(path: Path) -> None:
    for document in yaml.safe_load_all(path.read_text()):
        if document["kind"] == "Workflow":
            jsonschema.validate(document, _schema())
        else:
            kubernetes_validate.validate(document, "1.32.0", strict=True)


def test_schema_rejects_an_unknown_deletion_policy() -> None:
    resource = copy.deepcopy(_example_workflows()[0])
    resource["spec"]["deletionPolicy"] = "Delete"

    with pytest.raises(jsonschema.ValidationError, match="is not one of"):
        jsonschema.validate(resource, _schema())


def test_schema_rejects_a_misspelt_spec_field() -> None:
    resource = copy.deepcopy(_example_workflows()[0])
    resource["spec"]["input"] = resource["spec"].pop("inputs", {})

    with pytest.raises(jsonschema.ValidationError, match="'input' was unexpected"):
        jsonschema.validate(resource, _schema())


def test_schema_rejects_a_definition_without_tasks() -> None:
    resource = copy.deepcopy(_example_workflows()[0])
    resource["spec"]["definition"] = {"name": "empty", "tasks": {}}

    with pytest.raises(jsonschema.ValidationError, match=r"should be non-empty|does not have enough properties"):
        jsonschema.validate(resource, _schema())
