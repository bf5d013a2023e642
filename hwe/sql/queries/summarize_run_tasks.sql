-- Per task of one run that stored output: attempts, rows, bytes, truncation, and the status of its last attempt
-- that stored output; tasks in the order they first stored output, at most `limit`. Locks nothing.
SELECT task_id,
       count(DISTINCT attempt) AS attempts,
       max(attempt) AS last_attempt,
       count(*) AS entries,
       sum(size_bytes)::bigint AS size_bytes,
       sum(dropped_bytes)::bigint AS dropped_bytes,
       (array_agg(status ORDER BY log_id DESC))[1] AS last_status,
       (array_agg(tool ORDER BY log_id DESC))[1] AS tool,
       min(started_at) AS first_started_at,
       max(logged_at) AS last_logged_at
FROM hwe.task_log
WHERE workflow_run_id = %(workflow_run_id)s AND tenant_id = %(tenant_id)s
GROUP BY task_id
ORDER BY min(log_id)
LIMIT %(limit)s
