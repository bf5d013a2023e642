-- Second half of cancelling a task (after cancel_task_runs locked its runs): marks the task
-- cancelled unless it already finished, and drops its waits. A worker running it learns at its
-- next fenced write (checkpoint, heartbeat, outcome), which finds the run no longer running.
-- Returns the task when it was cancelled now.
WITH task AS (
    UPDATE {tasks}
    SET state = 'cancelled', cancelled_at = hwe.current_time()
    WHERE task_id = %(task_id)s AND state NOT IN ('completed', 'failed', 'cancelled')
    RETURNING task_id
), wait AS (
    DELETE FROM {waits} WHERE task_id IN (SELECT task_id FROM task)
)
SELECT task_id FROM task
