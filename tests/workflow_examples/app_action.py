"""Calls the tenant app action apps.acme.orders.version (durable_demo.orders.version in the app's artifact)."""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("app_action", version="1.0.0")
    builder.task("version", "apps.acme.orders.version", result_key="version")
    return builder.build()
