"""A task that fails on its first two attempts; its retry policy waits 1 s, then 2 s."""

from datetime import timedelta

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("flaky_task_with_retries", version="1.0.0")
    builder.task(
        "flaky",
        "tools.shell.run",
        args=["date +%s.%N >> {{inputs.dir}}/attempts.log; test $(wc -l < {{inputs.dir}}/attempts.log) -ge 3"],
        result_key="flaky",
    )
    builder.retry(max_retries=3, delay=timedelta(seconds=1), backoff_factor=2.0)
    return builder.build()
