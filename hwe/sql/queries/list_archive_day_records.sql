-- Reads every audit record of one UTC day [day_start, day_end), in its partition or the DEFAULT partition,
-- by event id, saying which are in the DEFAULT partition (they stay after the day is archived). Reads only;
-- takes no row locks (the records never change).
SELECT event_id, workflow_run_id, tenant_id, event_type, run_id, detail, created_at,
       tableoid = 'hwe.event_log_default'::regclass AS in_default
FROM hwe.event_log
WHERE created_at >= %(day_start)s AND created_at < %(day_end)s
ORDER BY event_id
