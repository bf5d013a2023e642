-- Lists a tenant's circuit breakers by tool function, one page after %(after)s (a function name, or
-- NULL for the first page), optionally only those in %(state)s, with the engine's now (for the time
-- left until an open breaker admits a probe). Run by circuit.list_circuit_breakers. Locks nothing.
SELECT b.function_name, b.state, b.consecutive_failures, b.consecutive_successes, b.open_until, b.updated_at,
       hwe.current_time() AS now
FROM hwe.circuit_breaker AS b
WHERE b.tenant_id = %(tenant_id)s
  AND (%(state)s::text IS NULL OR b.state = %(state)s::text)
  AND (%(after)s::text IS NULL OR b.function_name > %(after)s::text)
ORDER BY b.function_name
LIMIT %(limit)s
