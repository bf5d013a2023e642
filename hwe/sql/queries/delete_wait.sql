-- Drops a step's wait once its outcome (event or timeout) is checkpointed.
DELETE FROM {waits} WHERE task_id = %(task_id)s AND step_name = %(step_name)s
