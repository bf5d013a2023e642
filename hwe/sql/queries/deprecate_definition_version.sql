-- Marks one stored version of a tenant's definition deprecated (kept, still readable and runnable by its
-- version, no longer the latest of its name). Deprecating it again keeps the first time. Locks the row.
UPDATE hwe.workflow_definition
SET deprecated_at = coalesce(deprecated_at, hwe.current_time())
WHERE tenant_id = %(tenant_id)s AND name = %(name)s AND version = %(version)s
RETURNING name, version, content_hash, definition, created_at, deprecated_at
