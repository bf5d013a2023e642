-- Lists the checkpoints of several root tasks of one queue (the runs of one grid page): each step's
-- name, status and commit time, in step order. Read-only; takes no lock.
SELECT task_id, step_name, position, status, created_at
FROM {checkpoints}
WHERE task_id = ANY(%(task_ids)s)
ORDER BY task_id, position, created_at, step_name
