"""A slow step that stamps when it starts (epoch seconds) and on which worker (pid) in inputs.dir/starts.log."""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("stamped_slow_step", version="1.0.0")
    builder.task(
        "slow",
        "tools.shell.run",
        args=["echo $(date +%s.%N) $PPID >> {{inputs.dir}}/starts.log; sleep {{inputs.sleep}}"],
        result_key="slow",
    )
    return builder.build()
