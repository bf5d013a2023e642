"""Two one-second shell tasks with no dependency between them, then one that needs both.

Each slow task writes its start and end time (`date +%s.%N`) to files in `inputs.dir`.
"""

from highway_dsl import Workflow, WorkflowBuilder

_STAMPED = "date +%s.%N > {{inputs.dir}}/NAME.start; sleep 1; date +%s.%N > {{inputs.dir}}/NAME.end"


def build() -> Workflow:
    builder = WorkflowBuilder("two_slow_independent_tasks", version="1.0.0")
    builder.task("left", "tools.shell.run", args=[_STAMPED.replace("NAME", "left")], dependencies=[])
    builder.task("right", "tools.shell.run", args=[_STAMPED.replace("NAME", "right")], dependencies=[])
    builder.task(
        "both", "tools.shell.run", args=["date +%s.%N > {{inputs.dir}}/both.start"], dependencies=["left", "right"]
    )
    return builder.build()
