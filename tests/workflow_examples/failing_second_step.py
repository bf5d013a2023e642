"""The second of three tasks exits non-zero; the third must never run."""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("failing_second_step", version="1.0.0")
    builder.task("prepare", "tools.shell.run", args=["echo ready"], result_key="prepared")
    builder.task("break", "tools.shell.run", args=["echo disk full >&2; exit 3"], result_key="broken")
    builder.task("never", "tools.shell.run", args=["touch {{inputs.dir}}/never-ran"], result_key="never")
    return builder.build()
