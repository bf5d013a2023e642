"""A workflow that carries its own schedule: daily at 02:30, from 2030, backfilled, paused, three at once."""

from datetime import datetime

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("nightly_report", version="1.0.0")
    builder.task("report", "tools.shell.run", args=["printf report"], result_key="report")
    builder.set_schedule("30 2 * * *")
    builder.set_start_date(datetime(2030, 1, 1))
    builder.set_catchup(True)
    builder.set_paused(True)
    builder.set_max_active_runs(3)
    return builder.build()
