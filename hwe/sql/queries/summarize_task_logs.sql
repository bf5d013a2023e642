-- Counts and bytes of the tenant's stored attempt output over at most its `cap` newest rows (by the tenant
-- index), optionally of one workflow name and a logged_at window. `counted` says how many rows were read: when it
-- equals the cap, older rows were left out. Locks nothing.
WITH recent AS (
    SELECT l.workflow_run_id, l.stream, l.status, l.size_bytes, l.dropped_bytes, l.logged_at
    FROM hwe.task_log l
    WHERE l.tenant_id = %(tenant_id)s
      AND (%(since)s::timestamptz IS NULL OR l.logged_at >= %(since)s)
      AND (%(until)s::timestamptz IS NULL OR l.logged_at < %(until)s)
      AND (%(workflow_name)s::text IS NULL OR EXISTS (
              SELECT 1 FROM hwe.workflow_run w
              WHERE w.workflow_run_id = l.workflow_run_id AND w.workflow_name = %(workflow_name)s))
    ORDER BY l.log_id DESC
    LIMIT %(cap)s
)
SELECT count(*) AS counted,
       count(DISTINCT workflow_run_id) AS workflows,
       coalesce(sum(size_bytes), 0)::bigint AS size_bytes,
       coalesce(sum(dropped_bytes), 0)::bigint AS dropped_bytes,
       count(*) FILTER (WHERE dropped_bytes > 0) AS truncated_entries,
       count(*) FILTER (WHERE status = 'error') AS failed_attempt_entries,
       count(*) FILTER (WHERE stream = 'stdout') AS stdout_entries,
       coalesce(sum(size_bytes) FILTER (WHERE stream = 'stdout'), 0)::bigint AS stdout_bytes,
       count(*) FILTER (WHERE stream = 'stderr') AS stderr_entries,
       coalesce(sum(size_bytes) FILTER (WHERE stream = 'stderr'), 0)::bigint AS stderr_bytes,
       count(*) FILTER (WHERE stream = 'log') AS log_entries,
       coalesce(sum(size_bytes) FILTER (WHERE stream = 'log'), 0)::bigint AS log_bytes,
       min(logged_at) AS first_logged_at,
       max(logged_at) AS last_logged_at
FROM recent
