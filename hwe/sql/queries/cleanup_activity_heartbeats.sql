-- Deletes at most `limit` of the tenant's heartbeat records older than `retention_hours` whose activity has
-- finished (completed, failed or cancelled); running activities keep theirs. Oldest first, by the tenant index.
-- Returns one row: how many were deleted. Locks the deleted rows only.
WITH doomed AS (
    SELECT h.heartbeat_id
    FROM hwe.activity_heartbeat h
    JOIN hwe.workflow_run w ON w.workflow_run_id = h.activity_id
    WHERE h.tenant_id = %(tenant_id)s
      AND h.beat_at < hwe.current_time() - make_interval(secs => %(retention_hours)s::float8 * 3600)
      AND w.state IN ('completed', 'failed', 'cancelled')
    ORDER BY h.beat_at
    LIMIT %(limit)s
), deleted AS (
    DELETE FROM hwe.activity_heartbeat h USING doomed d WHERE h.heartbeat_id = d.heartbeat_id
    RETURNING 1
)
SELECT count(*) AS deleted FROM deleted
