"""A small workflow stored by name and started as a child: doubles `inputs.n`.

With `inputs.n` = 13 it fails, to show a child's failure reaching its parent.
"""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("child_doubler", version="1.0.0")
    builder.task(
        "double",
        "tools.shell.run",
        args=["test {{inputs.n}} != 13 && echo $(( {{inputs.n}} * 2 ))"],
        result_key="doubled",
    )
    return builder.build()
