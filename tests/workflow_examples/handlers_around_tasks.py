"""on_failure and on_success handlers declared before and after the tasks that name them.

`charge` fails when `inputs.fail` is 1; `refund` (declared first) handles that; `notify`
(declared last) runs when `ship` succeeds; `refund_failed` exits with `inputs.refund_exit`.
"""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("handlers_around_tasks", version="1.0.0")
    builder.task(
        "refund",
        "tools.shell.run",
        args=["echo refund; exit {{inputs.refund_exit}}"],
        result_key="refund",
        dependencies=[],
    )
    builder.task(
        "charge",
        "tools.shell.run",
        args=["exit {{inputs.fail}}"],
        result_key="charge",
        on_failure_task_id="refund",
        dependencies=[],
    )
    builder.task(
        "ship", "tools.shell.run", args=["echo ship"], result_key="ship", on_success_task_id="notify", dependencies=[]
    )
    builder.task(
        "after_charge", "tools.shell.run", args=["echo after"], result_key="after_charge", dependencies=["charge"]
    )
    builder.task("notify", "tools.shell.run", args=["echo notify"], result_key="notify", dependencies=[])
    return builder.build()
