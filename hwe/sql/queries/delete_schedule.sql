-- Deletes one of a tenant's schedules; its schedule_fire rows go with it (ON DELETE CASCADE), the
-- workflow runs it created stay. Locks the schedule row, then its fire rows.
DELETE FROM hwe.schedule
WHERE schedule_id = %(schedule_id)s AND tenant_id = %(tenant_id)s
RETURNING schedule_id
