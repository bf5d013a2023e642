-- Invariant: an unfinished workflow run has a root task that is not finished. Lists up to %(limit)s
-- of this queue's that break it (the task finished or vanished); they are reported, not repaired.
SELECT w.workflow_run_id, coalesce(t.state, 'missing') AS task_state
FROM hwe.workflow_run w
LEFT JOIN {tasks} t ON t.task_id = w.task_id
WHERE w.queue_name = %(queue_name)s AND w.state IN ('pending', 'running', 'sleeping', 'waiting')
  AND (t.task_id IS NULL OR t.state IN ('completed', 'failed', 'cancelled'))
LIMIT %(limit)s
