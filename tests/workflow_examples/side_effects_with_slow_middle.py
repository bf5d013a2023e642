"""Each task appends a line to its own file in `inputs.dir`; the middle one then sleeps.

Killing the worker during the sleep shows which side effects a resumed run repeats.
"""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("side_effects_with_slow_middle", version="1.0.0")
    builder.task("first", "tools.shell.run", args=["echo ran >> {{inputs.dir}}/first.log"], result_key="first")
    builder.task(
        "slow",
        "tools.shell.run",
        args=["echo ran >> {{inputs.dir}}/slow.log; sleep {{inputs.sleep}}"],
        result_key="slow",
    )
    builder.task("last", "tools.shell.run", args=["echo ran >> {{inputs.dir}}/last.log"], result_key="last")
    return builder.build()
