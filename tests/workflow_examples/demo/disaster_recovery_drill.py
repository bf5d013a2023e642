"""Disaster-recovery drill: snapshot, let the replica catch up, verify it, ask a person, fail over.

The replica check prints "ok" or "lagging" (`inputs.replica_state`); a lagging replica pages the
on-call engineer instead (the failover branch is skipped). The failover itself waits for a human
approval through the API. Every action appends to `inputs.dir`/drill.log.
"""

from datetime import timedelta

from highway_dsl import Workflow, WorkflowBuilder


def _failover(branch: WorkflowBuilder) -> WorkflowBuilder:
    branch.task(
        "approve_failover",
        "tools.approval.request",
        kwargs={"message": "fail over {{inputs.cluster}}?", "timeout_seconds": 120},
        result_key="approval",
    )
    return branch.task(
        "failover",
        "tools.shell.run",
        args=["echo failover by {{approval.approver}} >> {{inputs.dir}}/drill.log; printf promoted"],
        result_key="failover",
    )


def build() -> Workflow:
    builder = WorkflowBuilder("disaster_recovery_drill", version="1.0.0")
    builder.task(
        "snapshot", "tools.shell.run", args=["echo snapshot >> {{inputs.dir}}/drill.log"], result_key="snapshot"
    )
    builder.wait("replication_lag", wait_for=timedelta(seconds=1))
    builder.task("check_replica", "tools.shell.run", args=["printf {{inputs.replica_state}}"], result_key="check")
    builder.condition(
        "replica_ready",
        condition="{{check.stdout}} == 'ok'",
        if_true=_failover,
        if_false=lambda branch: branch.task(
            "page_oncall",
            "tools.shell.run",
            args=["echo page oncall >> {{inputs.dir}}/drill.log"],
            result_key="page",
        ),
    )
    return builder.build()
