"""A multi_choice that starts only the branches whose condition holds, then waits for them.

`inputs.size` picks the branches: `small` when it is under 10, `large` when over 5, `huge`
when over 1000; `minimum_branches=1` fails the task when none matches (size 0 matches `small`).
"""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("multi_choice_routes", version="1.0.0")
    builder.task("measure", "tools.shell.run", args=["echo {{inputs.size}}"], result_key="size")
    builder.multi_choice(
        "route",
        branches={
            "small": ("{{size.stdout}} < 10", lambda b: b.task("s", "tools.shell.run", args=["echo small"])),
            "large": ("{{size.stdout}} > 5", lambda b: b.task("l", "tools.shell.run", args=["echo large"])),
            "huge": ("{{size.stdout}} > 1000", lambda b: b.task("h", "tools.shell.run", args=["echo huge"])),
        },
        minimum_branches=1,
        result_key="routed",
    )
    builder.task(
        "wait_routes",
        "tools.workflow.wait_for_parallel_branches",
        args=["{{routed}}"],
        result_key="route_results",
        dependencies=["route"],
    )
    return builder.build()
