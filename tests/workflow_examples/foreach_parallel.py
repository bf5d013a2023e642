"""A parallel foreach over `inputs.items`: each iteration stamps its start and end around a 1 s sleep."""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("foreach_parallel", version="1.0.0")
    builder.foreach(
        "each",
        items="{{inputs.items}}",
        parallel=True,
        loop_body=lambda body: body.task(
            "nap",
            "tools.shell.run",
            args=["date +%s.%N > {{inputs.dir}}/{{item}}.start; sleep 1; date +%s.%N > {{inputs.dir}}/{{item}}.end"],
        ),
        result_key="each",
    )
    return builder.build()
