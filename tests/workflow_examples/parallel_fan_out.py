"""A fork-only parallel with two branches, joined by tools.workflow.wait_for_parallel_branches.

Branch `a` runs two steps in order, branch `b` sleeps a second first; both read the parent's
`init` result. A join after the wait judges tasks inside the branches; `after` reads their results.
With `inputs.fail_b` = 1, branch b's task fails.
"""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("parallel_fan_out", version="1.0.0")
    builder.task("init", "tools.shell.run", args=["echo seed"], result_key="init")
    builder.parallel(
        "fork",
        branches={
            "a": lambda b: b.task("a1", "tools.shell.run", args=["echo a1-{{init.stdout}}"], result_key="a1").task(
                "a2", "tools.shell.run", args=["echo a2-after-{{a1.stdout}}"], result_key="a2"
            ),
            "b": lambda b: b.wait("b_pause", "PT1S").task(
                "b1", "tools.shell.run", args=["test {{inputs.fail_b}} = 0 && echo b1"], result_key="b1"
            ),
        },
        result_key="fork_data",
    )
    builder.task(
        "wait_branches",
        "tools.workflow.wait_for_parallel_branches",
        args=["{{fork_data}}"],
        kwargs={"timeout_seconds": 60},
        result_key="branches",
        dependencies=["fork"],
    )
    builder.join("joined", join_tasks=["a2", "b1"], join_mode="all_success", dependencies=["wait_branches"])
    builder.task(
        "after",
        "tools.shell.run",
        args=["echo {{branches.a.result.stdout}}"],
        result_key="after",
        dependencies=["joined"],
    )
    return builder.build()
