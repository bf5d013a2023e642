"""One quick shell task: what the scheduler tests fire, many times a minute."""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("scheduled_tick", version="1.0.0")
    builder.task("tick", "tools.shell.run", args=["printf tick"], result_key="ticked")
    return builder.build()
