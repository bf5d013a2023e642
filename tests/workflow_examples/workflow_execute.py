"""Runs the stored workflow `child_doubler` through the tool tools.workflow.execute (the Driver's way)."""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("workflow_execute", version="1.0.0")
    builder.task(
        "sub",
        "tools.workflow.execute",
        kwargs={"workflow_name": "child_doubler", "inputs": {"n": "{{inputs.n}}"}},
        result_key="sub",
    )
    return builder.build()
