"""A 1 s wait beside a 2 s shell task that logs each run to `inputs.dir`/slow.log; a task after both."""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("sleep_beside_slow_task", version="1.0.0")
    builder.wait("pause", wait_for="PT1S", dependencies=[])
    builder.task("slow", "tools.shell.run", args=["sleep 2; echo ran >> {{inputs.dir}}/slow.log"], dependencies=[])
    builder.task("after", "tools.shell.run", args=["echo after"], result_key="after", dependencies=["pause", "slow"])
    return builder.build()
