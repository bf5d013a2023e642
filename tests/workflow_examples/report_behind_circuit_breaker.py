"""Another workflow whose shell task has a circuit breaker policy: it shares the breaker for tools.shell.run."""

from datetime import timedelta

from highway_dsl import CircuitBreakerPolicy, Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("report_behind_circuit_breaker", version="1.0.0")
    builder.task(
        "report",
        "tools.shell.run",
        args=["echo report >> {{inputs.dir}}/calls.log"],
        result_key="reported",
        circuit_breaker_policy=CircuitBreakerPolicy(
            failure_threshold=2, success_threshold=2, isolation_duration=timedelta(seconds=1.5)
        ),
    )
    return builder.build()
