"""An activity returns its completion event at once; the run waits for it with wait_for_event.

The activity appends to `{{inputs.dir}}/activity.log` (one line per execution) and prints a
word; `beside` runs while the activity does, since the activity only queues the work.
"""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("activity_then_wait", version="1.0.0")
    builder.activity(
        "crunch",
        "tools.shell.run",
        args=["sleep 0.5; echo ran >> {{inputs.dir}}/activity.log; echo crunched-{{inputs.word}}"],
        result_key="crunch",
    )
    builder.task("beside", "tools.shell.run", args=["echo beside"], result_key="beside", dependencies=["crunch"])
    builder.wait_for_event(
        "crunch_done", "{{crunch.completion_event}}", timeout_seconds=60, result_key="done", dependencies=["crunch"]
    )
    builder.task(
        "use",
        "tools.shell.run",
        args=["echo got {{done.payload.result.stdout}}"],
        result_key="use",
        dependencies=["crunch_done"],
    )
    return builder.build()
