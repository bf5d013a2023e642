-- Lists one page of a tenant's approvals in its queue (run by approvals.list_approvals): those waiting
-- (a wait for `approval:<key>` with no decision yet) and those decided (the first `approval:<key>`
-- event, whose payload is the decision), newest first, optionally of one status and one run. Plain
-- reads through the (tenant_id, event_name) indexes of the waits and events; locks nothing.
WITH pending AS (
    SELECT substr(w.event_name, 10) AS approval_key, w.workflow_run_id, 'pending' AS status,
           w.created_at AS requested_at, w.timeout_at, NULL::timestamptz AS decided_at, NULL::jsonb AS decision
    FROM {waits} AS w
    WHERE w.tenant_id = %(tenant_id)s
      AND w.event_name LIKE 'approval:%%'
      AND NOT EXISTS (SELECT 1 FROM {events} AS e WHERE e.tenant_id = w.tenant_id AND e.event_name = w.event_name)
), decided AS (
    SELECT DISTINCT ON (e.event_name)
           substr(e.event_name, 10) AS approval_key, e.workflow_run_id,
           CASE WHEN e.payload->>'approved' = 'true' THEN 'approved' ELSE 'rejected' END AS status,
           NULL::timestamptz AS requested_at, NULL::timestamptz AS timeout_at, e.emitted_at AS decided_at,
           e.payload AS decision
    FROM {events} AS e
    WHERE e.tenant_id = %(tenant_id)s AND e.event_name LIKE 'approval:%%'
    ORDER BY e.event_name, e.event_seq
)
SELECT a.*
FROM (SELECT * FROM pending UNION ALL SELECT * FROM decided) AS a
WHERE (%(status)s::text IS NULL OR a.status = %(status)s::text)
  AND (%(workflow_run_id)s::uuid IS NULL OR a.workflow_run_id = %(workflow_run_id)s::uuid)
ORDER BY coalesce(a.decided_at, a.requested_at) DESC, a.approval_key
LIMIT %(limit)s OFFSET %(offset)s
