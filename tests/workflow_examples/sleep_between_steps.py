"""A durable timer between two side effects: the run sleeps (holding no worker), then goes on."""

from datetime import timedelta

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("sleep_between_steps", version="1.0.0")
    builder.task("before", "tools.shell.run", args=["echo ran >> {{inputs.dir}}/before.log"], result_key="before")
    builder.wait("nap", wait_for=timedelta(seconds=2))
    builder.task("after", "tools.shell.run", args=["echo ran >> {{inputs.dir}}/after.log"], result_key="after")
    return builder.build()
