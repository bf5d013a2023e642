"""A durable timer, then a greeting from the inputs: a run that is still running for a few seconds."""

from datetime import timedelta

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("nap_then_greet", version="1.0.0")
    builder.wait("nap", wait_for=timedelta(seconds=3))
    builder.task("greet", "tools.shell.run", args=["echo hello {{inputs.who}}"], result_key="greeting")
    return builder.build()
