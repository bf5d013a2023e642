"""Reads the tenant secret `inputs.name` and passes it straight to the task that uses it.

The shell step prints only the secret's length, as a real consumer (a login, a signed request)
would use the value without echoing it.
"""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("use_tenant_secret", version="1.0.0")
    builder.task("read", "tools.secrets.get_secret", kwargs={"name": "{{inputs.name}}"}, result_key="password")
    builder.task("use", "tools.shell.run", args=["printf '%s' '{{password}}' | wc -c | tr -d ' '"], result_key="used")
    return builder.build()
