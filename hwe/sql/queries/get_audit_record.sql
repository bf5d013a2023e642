-- Reads one audit record by its event_id, scoped by tenant: another tenant's record is not found.
-- Reads only; takes no locks.
SELECT event_id, workflow_run_id, event_type, run_id, detail, created_at
FROM hwe.event_log
WHERE event_id = %(event_id)s AND tenant_id = %(tenant_id)s
