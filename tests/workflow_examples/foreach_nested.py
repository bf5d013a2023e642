"""A foreach inside a foreach: the inner body logs `outer-inner` pairs to `inputs.dir`/pairs.log.

The outer item is copied into a result the inner body reads, since the inner `{{item}}` shadows it.
"""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("foreach_nested", version="1.0.0")
    builder.foreach(
        "rows",
        items="{{inputs.rows}}",
        loop_body=lambda row: row.task("row", "tools.shell.run", args=["printf {{item}}"], result_key="row").foreach(
            "cells",
            items="{{inputs.cells}}",
            loop_body=lambda cell: cell.task(
                "cell", "tools.shell.run", args=["echo {{row.stdout}}-{{item}} >> {{inputs.dir}}/pairs.log"]
            ),
        ),
    )
    return builder.build()
