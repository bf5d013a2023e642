-- Reads a tenant's breaker for one tool function, with the engine's now (run by
-- circuit.get_circuit_breaker). Scoped by tenant: another tenant's breaker is not found. Locks nothing.
SELECT b.function_name, b.state, b.consecutive_failures, b.consecutive_successes, b.open_until, b.updated_at,
       hwe.current_time() AS now
FROM hwe.circuit_breaker AS b
WHERE b.tenant_id = %(tenant_id)s AND b.function_name = %(function_name)s
