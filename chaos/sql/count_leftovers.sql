-- What a quiet engine must not hold: leases, waits, unfinished tasks and runs, advisory locks, pending deliveries.
SELECT
    (SELECT count(*) FROM {runs} WHERE state = 'running' OR claim_expires_at IS NOT NULL) AS leases,
    (SELECT count(*) FROM {waits}) AS waits,
    (SELECT count(*) FROM {tasks} WHERE state NOT IN ('completed', 'failed', 'cancelled')) AS tasks,
    (SELECT count(*) FROM {runs} WHERE state IN ('pending', 'sleeping')) AS queued,
    (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory') AS locks,
    (SELECT count(*) FROM hwe.webhook_delivery WHERE state = 'pending') AS pending_deliveries,
    (SELECT count(*) FROM hwe.workflow_run
     WHERE state NOT IN ('completed', 'failed', 'cancelled')) AS unfinished_runs
