"""A condition on `inputs.n` with a two-task true branch, a false branch, and a task after the condition.

The condition compares a command's stdout (trimmed, read as a number) with a literal.
"""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("condition_branches", version="1.0.0")
    builder.task("measure", "tools.shell.run", args=["echo {{inputs.n}}"], result_key="measure")
    builder.condition(
        "big",
        condition="{{measure.stdout}} > 3 and {{inputs.label}} == 'go'",
        if_true=lambda branch: branch.task("yes", "tools.shell.run", args=["echo yes"], result_key="yes").task(
            "yes2", "tools.shell.run", args=["echo yes2"], result_key="yes2"
        ),
        if_false=lambda branch: branch.task("no", "tools.shell.run", args=["echo no"], result_key="no"),
    )
    builder.task("after", "tools.shell.run", args=["echo after"], result_key="after", dependencies=["big"])
    return builder.build()
