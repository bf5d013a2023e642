-- Reads the first decision posted for an approval: the oldest event `approval:<key>` of the tenant.
-- Runs under lock_event_name, so a concurrent decision is either seen here or waits. Reads only.
SELECT payload
FROM {events}
WHERE tenant_id = %(tenant_id)s AND event_name = %(event_name)s
ORDER BY event_seq
LIMIT 1
