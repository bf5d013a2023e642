"""A foreach over a JSON list printed by a command; each iteration runs a two-task body in order.

Every body task appends to `inputs.dir`/order.log, so the log shows the order of the iterations.
The task after the loop reads the last iteration's result, written back to the run's context.
"""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("foreach_sequential", version="1.0.0")
    builder.task("list", "tools.shell.run", args=["""echo '["a", "b", "c"]'"""], result_key="items")
    builder.foreach(
        "each",
        items="{{items.stdout}}",
        loop_body=lambda body: body.task(
            "stamp",
            "tools.shell.run",
            args=["echo {{item}}1 >> {{inputs.dir}}/order.log; printf {{item}}"],
            result_key="stamp",
        ).task(
            "restamp",
            "tools.shell.run",
            args=["echo {{current_item}}2 >> {{inputs.dir}}/order.log; printf {{stamp.stdout}}!"],
            result_key="restamp",
        ),
        result_key="each",
    )
    builder.task("after", "tools.shell.run", args=["printf 'last={{restamp.stdout}}'"], result_key="after")
    return builder.build()
