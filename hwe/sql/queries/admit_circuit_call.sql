-- Admits one call of a tool through the tenant's breaker for it (run by circuit.admit_circuit_call).
-- An open breaker whose isolation has passed becomes half_open here: one UPDATE, which locks the
-- breaker's row only then; otherwise nothing is written. Returns the breaker as this call finds it
-- (`moved` when this statement made it half_open) with the engine's now, or no row when the tenant
-- has no breaker for the tool yet (closed). Under a race the second branch may still show the open
-- row whose isolation just passed: the caller admits that call too, as a half-open probe.
WITH clock AS (
    SELECT hwe.current_time() AS now
), probe AS (
    UPDATE hwe.circuit_breaker AS b
    SET state = 'half_open', previous_state = 'open', consecutive_successes = 0, updated_at = clock.now
    FROM clock
    WHERE b.tenant_id = %(tenant_id)s
      AND b.function_name = %(function_name)s
      AND b.state = 'open'
      AND b.open_until <= clock.now
    RETURNING b.state, b.open_until, b.consecutive_failures
)
SELECT probe.state, probe.open_until, probe.consecutive_failures, true AS moved, clock.now
FROM probe, clock
UNION ALL
SELECT b.state, b.open_until, b.consecutive_failures, false AS moved, clock.now
FROM hwe.circuit_breaker AS b, clock
WHERE b.tenant_id = %(tenant_id)s
  AND b.function_name = %(function_name)s
  AND NOT EXISTS (SELECT 1 FROM probe)
