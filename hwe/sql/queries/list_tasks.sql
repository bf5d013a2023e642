-- Lists one page of the root tasks of a tenant's workflow runs created in a time window, in a queue, newest
-- first, optionally of one task state (NULL: any). Driven by workflow_run_tenant_created_idx on the window;
-- each task read by its key; the page is cut by limit and a bounded offset. Reads only; takes no locks.
SELECT t.task_id, t.workflow_run_id, w.workflow_name, t.task_name, t.state, t.attempts, t.max_attempts,
       t.enqueue_at, t.first_started_at, t.completed_at, t.cancelled_at, w.created_at
FROM hwe.workflow_run w
JOIN {tasks} t ON t.task_id = w.task_id
WHERE w.tenant_id = %(tenant_id)s AND w.queue_name = %(queue_name)s
  AND w.created_at >= %(since)s AND w.created_at < %(until)s
  AND (%(state)s::text IS NULL OR t.state = %(state)s::text)
ORDER BY w.created_at DESC, w.workflow_run_id DESC
LIMIT %(limit)s OFFSET %(offset)s
