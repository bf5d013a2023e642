-- Reads one queue's depth for the metrics: its tasks by state, the runs due now and the age of the oldest of
-- them, and how many workers hold a live lease. Plain reads: it locks nothing and blocks no claim.
SELECT
    (SELECT coalesce(jsonb_object_agg(s.state, s.n), jsonb_build_object())
     FROM (SELECT state, count(*) AS n FROM {tasks} GROUP BY state) s) AS tasks,
    count(*) FILTER (WHERE r.state IN ('pending', 'sleeping') AND r.available_at <= hwe.current_time()) AS ready,
    coalesce(extract(epoch FROM hwe.current_time() - min(r.available_at) FILTER (
        WHERE r.state IN ('pending', 'sleeping') AND r.available_at <= hwe.current_time())), 0)::float8
        AS oldest_ready_seconds,
    count(DISTINCT r.claimed_by) FILTER (WHERE r.state = 'running' AND r.claim_expires_at > hwe.current_time())
        AS workers
FROM {runs} r
WHERE r.state IN ('pending', 'sleeping', 'running')
