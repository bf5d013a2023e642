-- Reads one schedule. Scoped by tenant: another tenant's schedule is not found. Locks nothing.
SELECT *
FROM hwe.schedule
WHERE schedule_id = %(schedule_id)s AND tenant_id = %(tenant_id)s
