-- Deletes up to %(limit)s events emitted more than %(ttl_seconds)s ago, so old names stop matching.
WITH old AS (
    SELECT workflow_run_id, event_name FROM {events}
    WHERE emitted_at < hwe.current_time() - make_interval(secs => %(ttl_seconds)s)
    ORDER BY emitted_at
    LIMIT %(limit)s
)
DELETE FROM {events} e USING old
WHERE e.workflow_run_id = old.workflow_run_id AND e.event_name = old.event_name
RETURNING e.event_name
