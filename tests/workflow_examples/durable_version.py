"""Runs durable_demo.orders.version from the artifact given in the inputs."""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("durable_version", version="1.0.0")
    builder.task(
        "version",
        "tools.python.run",
        args=["durable_demo.orders.version"],
        kwargs={"artifact_id": "{{inputs.artifact_id}}"},
        result_key="version",
    )
    return builder.build()
