-- Invariant: a running run holds a lease. Gives up to %(limit)s running runs without one an expired
-- lease, so the lease sweep retries them. SKIP LOCKED: a run being written right now is skipped.
WITH broken AS (
    SELECT run_id FROM {runs}
    WHERE state = 'running' AND claim_expires_at IS NULL
    ORDER BY run_id
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
UPDATE {runs} r
SET claim_expires_at = hwe.current_time() - interval '1 second'
FROM broken
WHERE r.run_id = broken.run_id
RETURNING r.run_id, r.task_id
