"""Fan-out data pipeline: list the partitions, transform them in parallel, then summarise.

`extract` prints the partitions as JSON; the parallel foreach runs `transform` once per partition;
`summarise` runs after every iteration finished and counts the outputs written to `inputs.dir`.
"""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("fanout_pipeline", version="1.0.0")
    builder.task("extract", "tools.shell.run", args=["printf '%s' '{{inputs.partitions}}'"], result_key="partitions")
    builder.foreach(
        "fan_out",
        items="{{partitions.stdout}}",
        parallel=True,
        loop_body=lambda body: body.task(
            "transform",
            "tools.shell.run",
            args=["printf '%s' {{item}} | tr a-z A-Z | tee {{inputs.dir}}/{{item}}.out"],
            result_key="transformed",
        ),
        result_key="fan_out",
    )
    builder.task("summarise", "tools.shell.run", args=["ls {{inputs.dir}} | grep -c '\\.out$'"], result_key="summary")
    return builder.build()
