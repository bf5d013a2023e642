-- Reads the tenant's work in its queue now, for GET /api/v1/health/metrics (run by
-- health_metrics.read_health_metrics): attempts running (and those whose lease expired: orphaned
-- until the timeout service reclaims them), ready, scheduled for later and sleeping, and the workers
-- holding a live lease on them. Scans the unfinished attempts through the claimable and lease indexes,
-- as the queue metrics do; plain reads, locks nothing and blocks no claim.
SELECT
    count(*) FILTER (WHERE r.state = 'running')::integer AS running,
    count(*) FILTER (WHERE r.state = 'running' AND r.claim_expires_at <= hwe.current_time())::integer
        AS expired_leases,
    count(*) FILTER (WHERE r.state = 'pending' AND r.available_at <= hwe.current_time())::integer AS ready,
    count(*) FILTER (WHERE r.state = 'pending' AND r.available_at > hwe.current_time())::integer AS scheduled,
    count(*) FILTER (WHERE r.state = 'sleeping')::integer AS sleeping,
    count(DISTINCT r.claimed_by) FILTER (WHERE r.state = 'running' AND r.claim_expires_at > hwe.current_time())::integer
        AS workers
FROM {runs} AS r
JOIN {tasks} AS t ON t.task_id = r.task_id
JOIN hwe.workflow_run AS w ON w.workflow_run_id = t.workflow_run_id
WHERE r.state IN ('pending', 'sleeping', 'running') AND w.tenant_id = %(tenant_id)s
