-- Serializes the stores of one definition name in one tenant until the transaction ends, so two
-- new contents stored at once get consecutive versions instead of colliding on the same one.
SELECT pg_advisory_xact_lock(hashtextextended('workflow_definition/' || %(tenant_id)s || '/' || %(name)s, 0))
