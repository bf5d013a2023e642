"""Its second step fails until the file `fixed` exists in inputs.dir: a failure an operator can fix."""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("fails_until_fixed", version="1.0.0")
    builder.task("prepare", "tools.shell.run", args=["echo ran >> {{inputs.dir}}/prepare.log"], result_key="prepared")
    builder.task("check", "tools.shell.run", args=["test -e {{inputs.dir}}/fixed && echo fixed"], result_key="checked")
    return builder.build()
