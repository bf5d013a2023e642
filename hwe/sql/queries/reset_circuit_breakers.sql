-- Resets every breaker of a tenant by deleting their rows: each tool's breaker is closed again with
-- no failures counted (run by circuit.reset_circuit_breakers). Other tenants' breakers are untouched.
WITH reset AS (
    DELETE FROM hwe.circuit_breaker WHERE tenant_id = %(tenant_id)s RETURNING 1
)
SELECT count(*)::integer AS reset FROM reset
