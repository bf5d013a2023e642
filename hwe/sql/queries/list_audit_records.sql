-- Lists one page of a tenant's audit records from the append-only event_log, newest first
-- (created_at, then event_id), cut by offset. Each filter is optional (NULL: no filter);
-- start_date and end_date bound created_at inclusively. Reads only; takes no locks. Served by
-- event_log_tenant_time_idx, or by event_log_run_idx when a run is named.
SELECT event_id, workflow_run_id, event_type, run_id, detail, created_at
FROM hwe.event_log
WHERE tenant_id = %(tenant_id)s
  AND (%(workflow_run_id)s::uuid IS NULL OR workflow_run_id = %(workflow_run_id)s::uuid)
  AND (%(event_type)s::text IS NULL OR event_type = %(event_type)s::text)
  AND (%(resource_type)s::text IS NULL
       OR coalesce(detail ->> 'resource_type', 'workflow_run') = %(resource_type)s::text)
  AND (%(resource_id)s::text IS NULL OR coalesce(detail ->> 'resource_id', workflow_run_id::text) = %(resource_id)s::text)
  AND (%(start_date)s::timestamptz IS NULL OR created_at >= %(start_date)s::timestamptz)
  AND (%(end_date)s::timestamptz IS NULL OR created_at <= %(end_date)s::timestamptz)
ORDER BY created_at DESC, event_id DESC
LIMIT %(limit)s OFFSET %(offset)s
