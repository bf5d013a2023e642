"""Runs the durable function durable_demo.orders.process from an uploaded artifact."""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("durable_order", version="1.0.0")
    builder.task(
        "process",
        "tools.python.run",
        args=["durable_demo.orders.process", "{{inputs.order}}", "{{inputs.dir}}"],
        kwargs={"artifact_id": "{{inputs.artifact_id}}"},
        result_key="order",
    )
    return builder.build()
