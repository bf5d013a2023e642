-- Finds up to %(limit)s unfinished runs past their deadline (partial index workflow_run_deadline_idx).
-- Takes no lock: enforcing a deadline locks the queue rows first, in the usual order.
SELECT workflow_run_id, tenant_id, queue_name, task_id, deadline_action
FROM hwe.workflow_run
WHERE deadline_at IS NOT NULL AND deadline_at < hwe.current_time()
  AND state IN ('pending', 'running', 'sleeping', 'waiting')
ORDER BY deadline_at
LIMIT %(limit)s
