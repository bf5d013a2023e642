-- Lists one page of the unfinished queue attempts (pending, sleeping or running) of a tenant's unfinished
-- workflow runs in a queue, newest first, optionally of one state (NULL: any). Driven by
-- workflow_run_unfinished_idx (unfinished runs only) and each run's task index. Reads only; takes no locks.
SELECT r.run_id, r.task_id, w.workflow_run_id, w.workflow_name, w.current_step, r.attempt, r.state,
       r.claimed_by, r.claim_expires_at, r.available_at, r.wake_event, r.created_at, r.started_at
FROM hwe.workflow_run w
JOIN {runs} r ON r.task_id = w.task_id
WHERE w.queue_name = %(queue_name)s AND w.tenant_id = %(tenant_id)s
  AND w.state IN ('pending', 'running', 'sleeping', 'waiting')
  AND r.state IN ('pending', 'running', 'sleeping')
  AND (%(state)s::text IS NULL OR r.state = %(state)s::text)
ORDER BY r.created_at DESC, r.run_id DESC
LIMIT %(limit)s OFFSET %(offset)s
