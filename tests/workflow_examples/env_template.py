"""Reads the worker's environment through `{{ENV.NAME}}`, which only allow-listed names resolve."""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("env_template", version="1.0.0")
    builder.task("where", "tools.shell.run", args=["echo region={{ENV.HWE_TEST_REGION}}"], result_key="where")
    return builder.build()
