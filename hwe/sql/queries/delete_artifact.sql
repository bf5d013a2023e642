-- Deletes a tenant's artifact; returns it when it existed.
DELETE FROM hwe.artifact WHERE tenant_id = %(tenant_id)s AND artifact_id = %(artifact_id)s
RETURNING artifact_id
