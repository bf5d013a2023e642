"""Waits for the event `approval_<order>` of its tenant, then ships with the approver's name."""

from highway_dsl import Workflow, WorkflowBuilder


def build(timeout_seconds: int = 60, name: str = "wait_for_approval") -> Workflow:
    builder = WorkflowBuilder(name, version="1.0.0")
    builder.wait_for_event(
        "approve", event_name="approval_{{inputs.order}}", timeout_seconds=timeout_seconds, result_key="approval"
    )
    builder.task("ship", "tools.shell.run", args=["printf 'shipped by {{approval.payload.by}}'"], result_key="shipped")
    return builder.build()
