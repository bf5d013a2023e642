"""A terminate (status completed; tests rewrite it) between a first task and one that must not run."""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("terminate_early", version="1.0.0")
    builder.task("first", "tools.shell.run", args=["echo first"], result_key="first")
    builder.terminate("stop", status="completed", result={"by": "{{first.stdout}}"}, reason="enough")
    builder.task("never", "tools.shell.run", args=["echo never >> {{inputs.dir}}/never.log"], result_key="never")
    return builder.build()
