-- The status (ok or error) of the last committed step of each named task: a top-level task's
-- steps are named by its task id, and a retried task's later attempts `<id>#2`, `<id>#3`, ….
SELECT DISTINCT ON (split_part(step_name, '#', 1)) split_part(step_name, '#', 1) AS step_name, status
FROM {checkpoints}
WHERE task_id = %(task_id)s AND split_part(step_name, '#', 1) = ANY(%(step_names)s::text[])
ORDER BY split_part(step_name, '#', 1), position DESC
