"""The Highway DSL executor: validates a workflow definition and runs it as a durable function.

`build_plan` turns a submitted highway_dsl definition into a Plan or raises InvalidWorkflow with
the task and field at fault; `run_workflow` executes a Plan through a DurableContext, one durable
step per DSL task. It never touches the queue itself: the orchestrator owns claims and outcomes.
"""

from hwe.interpreter._execute import run_workflow
from hwe.interpreter._plan import Plan, TaskStep, build_plan

__all__ = ["Plan", "TaskStep", "build_plan", "run_workflow"]
