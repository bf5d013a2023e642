"""Stores the tenant secret `inputs.name` with the value `inputs.value` (tools.secrets.set_secret)."""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("store_tenant_secret", version="1.0.0")
    builder.task(
        "store",
        "tools.secrets.set_secret",
        kwargs={"name": "{{inputs.name}}", "value": "{{inputs.value}}"},
        result_key="stored",
    )
    return builder.build()
