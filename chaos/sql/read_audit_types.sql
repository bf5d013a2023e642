-- Every run's audit record types (live and archived), one row per run.
SELECT workflow_run_id::text AS run_id, array_agg(event_type) AS types
FROM hwe.event_log
WHERE workflow_run_id = ANY(%(run_ids)s::uuid[])
GROUP BY workflow_run_id
