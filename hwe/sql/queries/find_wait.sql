-- Reads a step's registered wait and whether its timeout has passed (engine clock).
SELECT timeout_at, timeout_at IS NOT NULL AND timeout_at <= hwe.current_time() AS expired
FROM {waits}
WHERE task_id = %(task_id)s AND step_name = %(step_name)s
