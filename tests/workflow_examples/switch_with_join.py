"""A switch on a command's output with two cases and a default, joined by `one_success`.

The case targets and the join have no dependencies (static fan-out): the join must still wait.
"""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("switch_with_join", version="1.0.0")
    builder.task("classify", "tools.shell.run", args=["echo {{inputs.kind}}"], result_key="kind")
    builder.switch("route", switch_on="{{kind.stdout}}", cases={"csv": "h_csv", "json": "h_json"}, default="h_def")
    for target in ("h_csv", "h_json", "h_def"):
        builder.task(target, "tools.shell.run", args=[f"sleep 0.3; echo {target}"], result_key=target, dependencies=[])
    builder.join("joined", join_tasks=["h_csv", "h_json", "h_def"], join_mode="one_success", dependencies=[])
    builder.task("after", "tools.shell.run", args=["echo after"], result_key="after", dependencies=["joined"])
    return builder.build()
