"""Waits twice for the event `signal_<key>` of its tenant, then reports both payloads' `n` in order."""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("wait_twice_for_one_event", version="1.0.0")
    builder.wait_for_event("first", event_name="signal_{{inputs.key}}", timeout_seconds=60, result_key="first")
    builder.wait_for_event("second", event_name="signal_{{inputs.key}}", timeout_seconds=60, result_key="second")
    builder.task(
        "report", "tools.shell.run", args=["printf '{{first.payload.n}} {{second.payload.n}}'"], result_key="report"
    )
    return builder.build()
