"""A task with a precondition on `inputs.size` (in 1..10) and a postcondition on its own stdout.

The task writes `inputs.dir`/ran.log, so a test sees whether it ran at all.
"""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("guarded_task", version="1.0.0")
    builder.task(
        "sized",
        "tools.shell.run",
        args=["echo ran >> {{inputs.dir}}/ran.log; echo {{inputs.answer}}"],
        result_key="sized",
    )
    builder.precondition("{{inputs.size}}", "in_range", [1, 10], "size must be within 1..10")
    builder.postcondition("{{sized.stdout}}", "equals", 42, "the answer must be 42")
    return builder.build()
