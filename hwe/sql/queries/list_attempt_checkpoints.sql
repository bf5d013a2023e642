-- Lists one page of the checkpoints one queue attempt committed for its task, with their values, in step
-- order. Reads the task's rows of the checkpoint key only; bounded offset. Reads only; takes no locks.
SELECT step_name, position, status, state, created_at
FROM {checkpoints}
WHERE task_id = %(task_id)s AND owner_run_id = %(run_id)s
ORDER BY position, created_at, step_name
LIMIT %(limit)s OFFSET %(offset)s
