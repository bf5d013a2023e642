-- Reads one of a tenant's schedules and locks its row (FOR UPDATE) until the caller's transaction
-- ends, so a change cannot interleave with a scheduler firing it: the scheduler's claim skips it.
SELECT *
FROM hwe.schedule
WHERE schedule_id = %(schedule_id)s AND tenant_id = %(tenant_id)s
FOR UPDATE
