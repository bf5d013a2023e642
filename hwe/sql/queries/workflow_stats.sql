-- Aggregates a tenant's workflow runs created in a time window (optionally of one workflow name): counts
-- by state and durations (finished_at - started_at), waits before the first claim (started_at - created_at),
-- overall (the row with overall = true, first) and for the busiest names. Driven by
-- workflow_run_tenant_created_idx on the window. Reads only; takes no locks.
WITH windowed AS (
    SELECT workflow_name, state,
           extract(epoch FROM finished_at - coalesce(started_at, created_at))::float8 AS duration,
           extract(epoch FROM started_at - created_at)::float8 AS wait
    FROM hwe.workflow_run
    WHERE tenant_id = %(tenant_id)s AND created_at >= %(since)s AND created_at < %(until)s
      AND (%(workflow_name)s::text IS NULL OR workflow_name = %(workflow_name)s::text)
)
SELECT GROUPING(workflow_name) = 1 AS overall, workflow_name,
       count(*) AS total,
       count(*) FILTER (WHERE state = 'pending') AS pending,
       count(*) FILTER (WHERE state = 'running') AS running,
       count(*) FILTER (WHERE state = 'sleeping') AS sleeping,
       count(*) FILTER (WHERE state = 'waiting') AS waiting,
       count(*) FILTER (WHERE state = 'completed') AS completed,
       count(*) FILTER (WHERE state = 'failed') AS failed,
       count(*) FILTER (WHERE state = 'cancelled') AS cancelled,
       avg(duration) AS avg_duration,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY duration) AS p50_duration,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY duration) AS p95_duration,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY duration) AS p99_duration,
       max(duration) AS max_duration,
       coalesce(sum(duration), 0) AS total_duration,
       avg(wait) AS avg_wait,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY wait) AS p50_wait,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY wait) AS p95_wait
FROM windowed
GROUP BY GROUPING SETS ((), (workflow_name))
ORDER BY GROUPING(workflow_name) DESC, count(*) DESC, workflow_name
LIMIT %(limit)s
