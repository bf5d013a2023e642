"""One task of each trigger rule downstream of a success (`ok`), a failure (`bad`) and a skip.

Every task publishes its result under its own id, so the run's context shows which ran.
"""

from highway_dsl import Workflow, WorkflowBuilder

# task id -> (dependencies, trigger rule)
GRID: dict[str, tuple[list[str], str]] = {
    "skipped_by_bad": (["bad"], "all_success"),
    "all_success_after_failure": (["ok", "bad"], "all_success"),
    "all_success_after_successes": (["ok", "ok_too"], "all_success"),
    "all_done_after_failure": (["ok", "bad"], "all_done"),
    "one_success_after_failure": (["ok", "bad"], "one_success"),
    "one_success_without_success": (["bad", "skipped_by_bad"], "one_success"),
    "one_done_after_failure": (["bad", "skipped_by_bad"], "one_done"),
    "one_done_after_only_skips": (["skipped_by_bad"], "one_done"),
    "none_failed_after_skip": (["ok", "skipped_by_bad"], "none_failed"),
    "none_failed_after_failure": (["ok", "bad"], "none_failed"),
    "propagated_skip": (["all_success_after_failure"], "all_success"),
    "all_done_after_skip": (["all_success_after_failure"], "all_done"),
}


def build() -> Workflow:
    builder = WorkflowBuilder("trigger_rule_grid", version="1.0.0")
    builder.task("ok", "tools.shell.run", args=["echo ok"], result_key="ok", dependencies=[])
    builder.task("ok_too", "tools.shell.run", args=["echo ok"], result_key="ok_too", dependencies=[])
    builder.task("bad", "tools.shell.run", args=["exit 1"], result_key="bad", dependencies=[])
    for task_id, (dependencies, rule) in GRID.items():
        builder.task(
            task_id,
            "tools.shell.run",
            args=[f"echo {task_id}"],
            result_key=task_id,
            dependencies=dependencies,
            trigger_rule=rule,
        )
    return builder.build()
