-- Lists every checkpoint of a run's root task, with its value and time, in the order the steps were
-- taken (position, then commit time). Read-only; takes no lock.
SELECT step_name, position, status, state, owner_run_id, created_at
FROM {checkpoints}
WHERE task_id = %(task_id)s
ORDER BY position, created_at, step_name
