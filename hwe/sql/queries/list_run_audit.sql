-- Lists a run's audit trail from the append-only event_log, oldest first. The caller has already
-- checked that the run belongs to its tenant; the tenant filter is kept as a second fence.
SELECT event_id, event_type, run_id, detail, created_at
FROM hwe.event_log
WHERE workflow_run_id = %(workflow_run_id)s AND tenant_id = %(tenant_id)s
ORDER BY event_id
