-- Reads the inputs a run was submitted with, scoped by tenant (another tenant's run has none). Takes no lock.
SELECT inputs
FROM hwe.workflow_run
WHERE workflow_run_id = %(workflow_run_id)s AND tenant_id = %(tenant_id)s
