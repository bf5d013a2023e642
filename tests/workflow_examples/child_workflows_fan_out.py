"""Starts the stored workflow `child_doubler` twice as child runs and collects both results."""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("child_workflows_fan_out", version="1.0.0")
    builder.task("base", "tools.shell.run", args=["echo {{inputs.n}}"], result_key="base")
    builder.child_workflows(
        "fan",
        {
            "first": {"workflow_name": "child_doubler", "inputs": {"n": "{{inputs.n}}"}},
            "second": {"workflow_name": "child_doubler", "inputs": {"n": 21}},
        },
        result_key="doubled",
        timeout_seconds=60,
    )
    builder.task("sum", "tools.shell.run", args=["echo {{doubled.first.result.stdout}}"], result_key="sum")
    return builder.build()
