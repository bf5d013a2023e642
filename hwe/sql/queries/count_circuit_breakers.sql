-- Counts a tenant's circuit breakers by state (run by circuit.count_circuit_breakers). Locks nothing.
SELECT count(*)::integer AS total,
       (count(*) FILTER (WHERE state = 'open'))::integer AS open,
       (count(*) FILTER (WHERE state = 'closed'))::integer AS closed,
       (count(*) FILTER (WHERE state = 'half_open'))::integer AS half_open
FROM hwe.circuit_breaker
WHERE tenant_id = %(tenant_id)s
