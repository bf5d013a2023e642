-- Reads a live snapshot of one tenant's work in a queue: its unfinished workflow runs by state and the oldest
-- pending one, and of their queue attempts those due now, sleeping, running (with the workers holding a live
-- lease, and the leases already expired) and the oldest due one. Driven by workflow_run_unfinished_idx (only
-- unfinished runs, however long the history) and each run's task index. Plain reads: it locks nothing.
WITH clock AS (
    SELECT hwe.current_time() AS now
), active AS (
    SELECT w.state, w.task_id, w.created_at
    FROM hwe.workflow_run w
    WHERE w.queue_name = %(queue_name)s AND w.tenant_id = %(tenant_id)s
      AND w.state IN ('pending', 'running', 'sleeping', 'waiting')
), attempts AS (
    SELECT r.state, r.available_at, r.claimed_by, r.claim_expires_at
    FROM active a
    JOIN {runs} r ON r.task_id = a.task_id
    WHERE r.state IN ('pending', 'running', 'sleeping')
)
SELECT
    (SELECT coalesce(jsonb_object_agg(s.state, s.n), jsonb_build_object())
     FROM (SELECT state, count(*) AS n FROM active GROUP BY state) s) AS runs_by_state,
    (SELECT min(created_at) FROM active WHERE state = 'pending') AS oldest_pending_at,
    count(*) FILTER (WHERE a.state IN ('pending', 'sleeping') AND a.available_at <= clock.now) AS ready,
    count(*) FILTER (WHERE a.state = 'sleeping' AND a.available_at > clock.now) AS sleeping,
    count(*) FILTER (WHERE a.state = 'running') AS running,
    count(*) FILTER (WHERE a.state = 'running' AND a.claim_expires_at <= clock.now) AS expired_leases,
    count(DISTINCT a.claimed_by) FILTER (WHERE a.state = 'running' AND a.claim_expires_at > clock.now) AS workers,
    min(a.available_at) FILTER (WHERE a.state IN ('pending', 'sleeping') AND a.available_at <= clock.now)
        AS oldest_ready_at,
    clock.now
FROM clock
LEFT JOIN attempts a ON true
GROUP BY clock.now
