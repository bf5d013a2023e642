-- Grants the services' login role the engine's privileges, with only SELECT and INSERT on the audit trail
-- (hwe.grant_service_role, migration 0.2.10). Run by the schema's owner; idempotent.
SELECT hwe.grant_service_role(%(role)s)
