-- Counts the root tasks of one tenant's workflow runs created in a time window, in a queue, by task state:
-- overall (workflow_name NULL) and by workflow name. Driven by workflow_run_tenant_created_idx on the window,
-- each task read by its key. Reads only; takes no locks.
SELECT GROUPING(w.workflow_name) = 1 AS overall, w.workflow_name, t.state, count(*) AS n
FROM hwe.workflow_run w
JOIN {tasks} t ON t.task_id = w.task_id
WHERE w.tenant_id = %(tenant_id)s AND w.queue_name = %(queue_name)s
  AND w.created_at >= %(since)s AND w.created_at < %(until)s
GROUP BY GROUPING SETS ((t.state), (w.workflow_name, t.state))
