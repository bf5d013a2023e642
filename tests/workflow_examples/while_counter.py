"""A while loop that increments `counter` until the condition fails; the cap is `metadata.max_iterations`.

Each iteration appends the counter it saw to `inputs.dir`/seen.log.
"""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("while_counter", version="1.0.0")
    builder.task("init", "tools.simple_counter.init_counter")
    builder.while_loop(
        "count",
        condition="{{counter}} < {{inputs.limit}}",
        loop_body=lambda body: body.task(
            "seen", "tools.shell.run", args=["echo {{counter}} >> {{inputs.dir}}/seen.log"]
        ).task("inc", "tools.simple_counter.increment_counter"),
    )
    builder.task("after", "tools.shell.run", args=["printf {{counter}}"], result_key="after")
    return builder.build()
