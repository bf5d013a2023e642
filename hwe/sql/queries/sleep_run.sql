-- SLEEP: releases a held run until %(wake_at)s (NULL: until an event wakes it), fenced by run id +
-- token. Locks the run, then the task, then the workflow run, which shows %(run_state)s (sleeping
-- or waiting) and, as its current step, the task it waits in (%(current_step)s; NULL keeps it).
-- The worker slot is free once this commits. No row returned: the fence was lost.
-- A timed sleep notifies the queue with `wake <seconds>` on commit, so every idle worker schedules a
-- wake-up at that time instead of finding the run at its next poll.
WITH run AS (
    UPDATE {runs}
    SET state = 'sleeping', claimed_by = NULL, claim_expires_at = NULL,
        available_at = coalesce(%(wake_at)s::timestamptz, 'infinity'), wake_event = %(wake_event)s
    WHERE run_id = %(run_id)s AND fencing_token = %(fencing_token)s AND state = 'running'
    RETURNING run_id, task_id, available_at
), task AS (
    UPDATE {tasks} t
    SET state = 'sleeping'
    FROM run
    WHERE t.task_id = run.task_id
    RETURNING t.task_id, t.workflow_run_id
), workflow AS (
    UPDATE hwe.workflow_run w
    SET state = %(run_state)s, current_step = coalesce(%(current_step)s, w.current_step),
        updated_at = hwe.current_time()
    FROM task
    WHERE w.workflow_run_id = task.workflow_run_id
    RETURNING w.workflow_run_id
)
SELECT workflow.workflow_run_id,
       CASE WHEN run.available_at < 'infinity' THEN
           pg_notify(%(channel)s, 'wake ' || extract(epoch FROM run.available_at - hwe.current_time())::float8)
       END AS wake_notified
FROM workflow, run
