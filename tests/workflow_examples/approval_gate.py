"""Asks a person to approve (tools.approval.request), then reports the decision."""

from highway_dsl import Workflow, WorkflowBuilder


def build(timeout_seconds: int = 60, name: str = "approval_gate") -> Workflow:
    builder = WorkflowBuilder(name, version="1.0.0")
    builder.task(
        "approve",
        "tools.approval.request",
        kwargs={"message": "ship order {{inputs.order}}?", "timeout_seconds": timeout_seconds},
        result_key="approval",
    )
    builder.task(
        "report", "tools.shell.run", args=["printf '{{approval.approver}} {{approval.approved}}'"], result_key="report"
    )
    return builder.build()
