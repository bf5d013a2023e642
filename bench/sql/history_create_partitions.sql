-- Creates the event_log partition of every UTC day from %(oldest)s to %(newest)s that has none yet (as the audit
-- service does days ahead, hwe.create_event_log_partition), so that copied audit records land in their own day's
-- partition rather than the DEFAULT one. Returns how many it created.
SELECT count(*) FILTER (WHERE hwe.create_event_log_partition(day::date)) AS created
FROM generate_series((%(oldest)s::timestamptz AT TIME ZONE 'UTC')::date,
                     (%(newest)s::timestamptz AT TIME ZONE 'UTC')::date, interval '1 day') AS day
