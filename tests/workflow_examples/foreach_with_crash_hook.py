"""A foreach over three items whose body logs each item, then runs `inputs.hook` (a crash, in tests)."""

from highway_dsl import Workflow, WorkflowBuilder

# The hook runs in the iteration of `inputs.crash_on` only.
_HOOK = "if [ {{item}} = {{inputs.crash_on}} ]; then {{inputs.hook}}; fi"


def build() -> Workflow:
    builder = WorkflowBuilder("foreach_with_crash_hook", version="1.0.0")
    builder.foreach(
        "each",
        items="{{inputs.items}}",
        loop_body=lambda body: body.task(
            "work",
            "tools.shell.run",
            args=["echo {{item}} >> {{inputs.dir}}/work.log; " + _HOOK],
            result_key="work",
        ),
    )
    return builder.build()
