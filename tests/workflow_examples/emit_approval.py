"""Emits the event `approval_<order>` with the approver's name: the producer for wait_for_approval."""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("emit_approval", version="1.0.0")
    builder.emit_event("approve", event_name="approval_{{inputs.order}}", payload={"by": "{{inputs.by}}"})
    return builder.build()
