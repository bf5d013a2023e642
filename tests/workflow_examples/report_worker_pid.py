"""A slow step whose result is the pid of the worker that ran it ($PPID of the shell)."""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("report_worker_pid", version="1.0.0")
    builder.task(
        "who",
        "tools.shell.run",
        args=["echo $PPID >> {{inputs.dir}}/starts.log; sleep {{inputs.sleep}}; printf $PPID"],
        result_key="who",
    )
    return builder.build()
