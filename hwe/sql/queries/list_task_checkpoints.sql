-- Lists the first checkpoints of one task in step order, without their values, and how many it has in
-- all. Reads the task's rows of the checkpoint key only. Reads only; takes no locks.
SELECT step_name, position, status, owner_run_id, created_at, count(*) OVER () AS total
FROM {checkpoints}
WHERE task_id = %(task_id)s
ORDER BY position, created_at, step_name
LIMIT %(limit)s
