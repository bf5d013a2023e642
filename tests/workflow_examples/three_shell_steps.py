"""Three shell tasks in a chain; the second reads the first's result and an input."""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("three_shell_steps", version="1.0.0")
    builder.task("greet", "tools.shell.run", args=["printf hello"], result_key="greeting")
    builder.task(
        "combine", "tools.shell.run", args=["printf '{{greeting.stdout}} {{inputs.name}}'"], result_key="combined"
    )
    builder.task("shout", "tools.shell.run", args=["printf '{{combined.stdout}}' | tr a-z A-Z"], result_key="shouted")
    return builder.build()
