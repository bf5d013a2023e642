-- Loads every committed step result of a task in one query, in the order the steps were taken.
SELECT step_name, position, status, state
FROM {checkpoints}
WHERE task_id = %(task_id)s
ORDER BY position
