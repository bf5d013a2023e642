-- Hands a running run back to the queue (a draining worker), fenced by run id + token. The run is
-- claimable again at once by any worker; the next claim bumps the token. Locks the run, then the task.
WITH run AS (
    UPDATE {runs}
    SET state = 'pending', claimed_by = NULL, claim_expires_at = NULL, available_at = hwe.current_time()
    WHERE run_id = %(run_id)s AND fencing_token = %(fencing_token)s AND state = 'running'
    RETURNING run_id, task_id
)
UPDATE {tasks} t
SET state = 'pending'
FROM run
WHERE t.task_id = run.task_id
RETURNING t.task_id, pg_notify(%(channel)s, '')
