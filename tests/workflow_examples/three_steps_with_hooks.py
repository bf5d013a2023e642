"""Three logged side effects; `inputs.before` and `inputs.after` run around the second one.

Tests put `kill -9 $PPID` (the worker) in a hook to crash at a chosen boundary of a step.
"""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("three_steps_with_hooks", version="1.0.0")
    builder.task("first", "tools.shell.run", args=["echo ran >> {{inputs.dir}}/first.log"], result_key="first")
    builder.task(
        "second",
        "tools.shell.run",
        args=["{{inputs.before}}; echo ran >> {{inputs.dir}}/second.log; {{inputs.after}}"],
        result_key="second",
    )
    builder.task(
        "third", "tools.shell.run", args=["{{inputs.third}}; echo ran >> {{inputs.dir}}/third.log"], result_key="third"
    )
    return builder.build()
