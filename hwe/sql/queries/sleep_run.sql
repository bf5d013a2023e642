-- SLEEP: releases a held run until %(wake_at)s (NULL: until an event wakes it), fenced by run id +
-- token. Locks the run, then the task, then the workflow run, which shows %(run_state)s (sleeping
-- or waiting). The worker slot is free once this commits. No row returned: the fence was lost.
WITH run AS (
    UPDATE {runs}
    SET state = 'sleeping', claimed_by = NULL, claim_expires_at = NULL,
        available_at = coalesce(%(wake_at)s::timestamptz, 'infinity'), wake_event = %(wake_event)s
    WHERE run_id = %(run_id)s AND fencing_token = %(fencing_token)s AND state = 'running'
    RETURNING run_id, task_id
), task AS (
    UPDATE {tasks} t
    SET state = 'sleeping'
    FROM run
    WHERE t.task_id = run.task_id
    RETURNING t.task_id, t.workflow_run_id
)
UPDATE hwe.workflow_run w
SET state = %(run_state)s, updated_at = hwe.current_time()
FROM task
WHERE w.workflow_run_id = task.workflow_run_id
RETURNING w.workflow_run_id
