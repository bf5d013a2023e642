-- First half of cancelling a task: locks its open runs in run id order (the fixed lock order:
-- runs by id, then task) and marks them cancelled. cancel_task then locks and updates the task.
-- A separate statement, because PostgreSQL does not promise the order in which the parts of one
-- statement with several data-modifying CTEs take their locks.
WITH open_run AS (
    SELECT run_id FROM {runs}
    WHERE task_id = %(task_id)s AND state NOT IN ('completed', 'failed', 'cancelled')
    ORDER BY run_id
    FOR UPDATE
)
UPDATE {runs} r
SET state = 'cancelled', claim_expires_at = NULL, failure_reason = jsonb_build_object('type', 'cancelled')
FROM open_run
WHERE r.run_id = open_run.run_id
