"""Two independent tasks, one failing when `inputs.fail` is 1, joined with `all_success`."""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("join_all_success", version="1.0.0")
    builder.task("steady", "tools.shell.run", args=["echo steady"], result_key="steady", dependencies=[])
    builder.task("shaky", "tools.shell.run", args=["exit {{inputs.fail}}"], result_key="shaky", dependencies=[])
    builder.join("joined", join_tasks=["steady", "shaky"], join_mode="all_success", dependencies=[])
    return builder.build()
