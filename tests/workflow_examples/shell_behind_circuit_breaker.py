"""A shell task behind a circuit breaker: it logs each run of its command and fails until `healthy` exists.

Two failures in a row open the tenant's breaker for tools.shell.run for 1.5 s; two successes in a
row close it after that. The task is retried once, and a retry is a call like any other.
"""

from datetime import timedelta

from highway_dsl import CircuitBreakerPolicy, Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("shell_behind_circuit_breaker", version="1.0.0")
    builder.task(
        "call",
        "tools.shell.run",
        args=["echo call >> {{inputs.dir}}/calls.log; test -e {{inputs.dir}}/healthy"],
        result_key="called",
        circuit_breaker_policy=CircuitBreakerPolicy(
            failure_threshold=2, success_threshold=2, isolation_duration=timedelta(seconds=1.5)
        ),
    )
    builder.retry(max_retries=1, delay=timedelta(seconds=0.1), backoff_factor=1.0)
    return builder.build()
