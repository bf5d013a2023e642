-- Deletes up to %(limit)s events emitted more than %(ttl_seconds)s ago, so old names stop matching.
WITH old AS (
    SELECT event_seq FROM {events}
    WHERE emitted_at < hwe.current_time() - make_interval(secs => %(ttl_seconds)s)
    ORDER BY emitted_at
    LIMIT %(limit)s
)
DELETE FROM {events} e USING old
WHERE e.event_seq = old.event_seq
RETURNING e.event_name
