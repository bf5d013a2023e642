"""Driver-SDK-style compute task: tools.code.exec prints a __HIGHWAY_RESULT__ line; the next task reads it."""

from highway_dsl import Workflow, WorkflowBuilder

CODE = """
import json
numbers = [3, 4, 5]
print("working")
print("__HIGHWAY_RESULT__:" + json.dumps({"total": sum(numbers), "count": len(numbers)}))
"""


def build() -> Workflow:
    builder = WorkflowBuilder("code_exec", version="1.0.0")
    builder.task("compute", "tools.code.exec", kwargs={"code": CODE, "timeout": 20}, result_key="computed")
    builder.task("report", "tools.shell.run", args=["echo total {{computed.total}}"], result_key="report")
    return builder.build()
