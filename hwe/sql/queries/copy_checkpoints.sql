-- Copies a task's successful checkpoints to another task (a retried run resumes after them);
-- failed steps, and event waits that timed out, are left behind so they run (or wait) again.
INSERT INTO {checkpoints} (task_id, step_name, position, status, state, owner_run_id, created_at)
SELECT %(to_task_id)s, step_name, position, status, state, %(owner_run_id)s, hwe.current_time()
FROM {checkpoints}
WHERE task_id = %(from_task_id)s AND status = 'ok'
  AND NOT (step_name LIKE 'wait_for_event:%%' AND state ->> 'timed_out' = 'true')
