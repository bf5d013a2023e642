-- Appends one audit record. Runs in the transaction of the change it records.
INSERT INTO hwe.event_log (workflow_run_id, tenant_id, event_type, run_id, detail)
SELECT %(workflow_run_id)s, w.tenant_id, %(event_type)s, %(run_id)s, %(detail)s
FROM hwe.workflow_run w
WHERE w.workflow_run_id = %(workflow_run_id)s
