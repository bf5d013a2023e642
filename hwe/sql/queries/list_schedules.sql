-- Lists a tenant's schedules by name. Locks nothing.
SELECT *
FROM hwe.schedule
WHERE tenant_id = %(tenant_id)s
ORDER BY name
