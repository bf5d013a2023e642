-- Reads an artifact's content, only for its own tenant (read fresh at every execution: no cache).
SELECT content FROM hwe.artifact WHERE tenant_id = %(tenant_id)s AND artifact_id = %(artifact_id)s
