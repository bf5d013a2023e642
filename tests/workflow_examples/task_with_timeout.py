"""A task with a 1-second timeout_policy whose command would take 30 seconds."""

from datetime import timedelta

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("task_with_timeout", version="1.0.0")
    builder.task("slow", "tools.shell.run", args=["sleep 30; touch {{inputs.dir}}/finished"], result_key="slow")
    builder.timeout(timedelta(seconds=1), kill_on_timeout=True)
    return builder.build()
