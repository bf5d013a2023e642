-- One page of a run's stored attempt output, in commit order, optionally of one task and one stream; keyset on
-- log_id (after the last row of the previous page). Scoped by tenant as well as run. Locks nothing.
SELECT log_id, task_id, attempt, stream, content, size_bytes, dropped_bytes, status, tool, started_at, logged_at
FROM hwe.task_log
WHERE workflow_run_id = %(workflow_run_id)s AND tenant_id = %(tenant_id)s
  AND (%(task_id)s::text IS NULL OR task_id = %(task_id)s)
  AND (%(stream)s::text IS NULL OR stream = %(stream)s)
  AND log_id > %(after)s
ORDER BY log_id
LIMIT %(limit)s
