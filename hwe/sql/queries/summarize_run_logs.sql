-- For each given run of the tenant that stored output: its rows, bytes written and dropped, truncated rows and
-- rows per stream. Reads only those runs' rows (by the run index). Locks nothing.
SELECT workflow_run_id,
       count(*) AS entries,
       sum(size_bytes)::bigint AS size_bytes,
       sum(dropped_bytes)::bigint AS dropped_bytes,
       count(*) FILTER (WHERE dropped_bytes > 0) AS truncated_entries,
       count(*) FILTER (WHERE stream = 'stdout') AS stdout_entries,
       count(*) FILTER (WHERE stream = 'stderr') AS stderr_entries,
       count(*) FILTER (WHERE stream = 'log') AS log_entries,
       max(logged_at) AS last_logged_at
FROM hwe.task_log
WHERE workflow_run_id = ANY(%(workflow_run_ids)s::uuid[]) AND tenant_id = %(tenant_id)s
GROUP BY workflow_run_id
