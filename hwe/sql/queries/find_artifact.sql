-- Reads an artifact's metadata (not its content), only for its own tenant.
SELECT artifact_id, size, created_at FROM hwe.artifact
WHERE tenant_id = %(tenant_id)s AND artifact_id = %(artifact_id)s
