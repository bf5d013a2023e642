-- Resets a tenant's breaker for one tool function by deleting its row: a tool with no row has a
-- closed breaker with no failures counted (run by circuit.reset_circuit_breaker). A call recorded
-- concurrently either lands before (and is deleted) or after (and starts a fresh row).
DELETE FROM hwe.circuit_breaker
WHERE tenant_id = %(tenant_id)s AND function_name = %(function_name)s
RETURNING state AS previous_state
