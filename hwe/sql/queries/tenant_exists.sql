-- Tells whether a tenant id is taken. Reads only; the insert that follows still guards a race.
SELECT 1 AS found FROM hwe.tenant WHERE tenant_id = %(tenant_id)s
