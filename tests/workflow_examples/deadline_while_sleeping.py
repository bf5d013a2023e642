"""A run with a 2-second workflow deadline that sleeps for a minute; `build(action)` picks fail or cancel."""

from datetime import timedelta

from highway_dsl import Workflow, WorkflowBuilder


def build(action: str = "fail") -> Workflow:
    builder = WorkflowBuilder(f"deadline_{action}", version="1.0.0", deadline_seconds=2, deadline_action=action)
    builder.wait("long_nap", wait_for=timedelta(minutes=1))
    builder.task("after", "tools.shell.run", args=["echo too late"], result_key="after")
    return builder.build()
