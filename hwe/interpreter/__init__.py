"""The Highway DSL executor: validates a workflow definition and runs it as a durable function.

`build_plan` turns a submitted highway_dsl definition into a Plan (a DAG of tasks) or raises
InvalidWorkflow with the task and field at fault; `run_workflow` runs a Plan through a
DurableContext: tasks run when their trigger rules allow, independent ones concurrently, each
ending in a durable step named after its task id (plus the iteration inside loops). It never
touches the queue itself: the orchestrator owns claims and outcomes.
"""

from hwe.interpreter._execute import run_workflow
from hwe.interpreter._plan import Plan, Retry, Step, build_plan, build_plan_from_json, check_new_definition

__all__ = [
    "Plan",
    "Retry",
    "Step",
    "build_plan",
    "build_plan_from_json",
    "check_new_definition",
    "run_workflow",
]
