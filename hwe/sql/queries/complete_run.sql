-- SUCCESS: marks the run and its task completed with the result, fenced by run id + token.
-- Locks the run, then the task. No row returned means this worker no longer holds the run.
WITH run AS (
    UPDATE {runs}
    SET state = 'completed', completed_at = hwe.current_time(), result = %(result)s, claim_expires_at = NULL
    WHERE run_id = %(run_id)s AND fencing_token = %(fencing_token)s AND state = 'running'
    RETURNING run_id, task_id
)
UPDATE {tasks} t
SET state = 'completed', completed_at = hwe.current_time(), result = %(result)s
FROM run
WHERE t.task_id = run.task_id
RETURNING t.task_id
