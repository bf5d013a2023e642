-- Counts a tenant's audit records that match the filters of list_audit_records (the same optional
-- filters, NULL: no filter; start_date and end_date inclusive). Reads only; takes no locks.
SELECT count(*) AS total
FROM hwe.event_log
WHERE tenant_id = %(tenant_id)s
  AND (%(workflow_run_id)s::uuid IS NULL OR workflow_run_id = %(workflow_run_id)s::uuid)
  AND (%(event_type)s::text IS NULL OR event_type = %(event_type)s::text)
  AND (%(resource_type)s::text IS NULL
       OR coalesce(detail ->> 'resource_type', 'workflow_run') = %(resource_type)s::text)
  AND (%(resource_id)s::text IS NULL OR coalesce(detail ->> 'resource_id', workflow_run_id::text) = %(resource_id)s::text)
  AND (%(start_date)s::timestamptz IS NULL OR created_at >= %(start_date)s::timestamptz)
  AND (%(end_date)s::timestamptz IS NULL OR created_at <= %(end_date)s::timestamptz)
