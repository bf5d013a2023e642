"""The Highway DSL executor: validates a workflow definition and runs it as a durable function.

`build_plan` turns a submitted highway_dsl definition into a Plan or raises InvalidWorkflow with
the task and field at fault; `run_workflow` executes a Plan through a DurableContext, ending each
DSL task with a durable step named after its task id. It never touches the queue itself: the
orchestrator owns claims and outcomes.
"""

from hwe.interpreter._execute import run_workflow
from hwe.interpreter._plan import Plan, Retry, Step, build_plan

__all__ = ["Plan", "Retry", "Step", "build_plan", "run_workflow"]
