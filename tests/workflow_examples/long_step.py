"""One long shell step that leaves a mark when it finishes: used to cancel a run mid-step."""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("long_step", version="1.0.0")
    builder.task(
        "long",
        "tools.shell.run",
        args=[
            "echo started >> {{inputs.dir}}/long.log; sleep {{inputs.sleep}}; echo finished >> {{inputs.dir}}/long.log"
        ],
        result_key="long",
    )
    return builder.build()
