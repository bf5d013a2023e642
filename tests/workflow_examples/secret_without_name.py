"""Calls tools.secrets.get_secret without a secret name: the task must fail and say so."""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("secret_without_name", version="1.0.0")
    builder.task("read", "tools.secrets.get_secret", result_key="secret")
    return builder.build()
