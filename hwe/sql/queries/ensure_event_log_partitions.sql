-- Pre-creates the event_log partitions of today (UTC) and the next `days_ahead` days, skipping a day whose rows
-- already sit in the DEFAULT partition; answers how many it created. Each creation locks event_log briefly.
SELECT hwe.ensure_event_log_partitions(%(days_ahead)s) AS created
