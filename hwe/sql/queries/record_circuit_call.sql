-- Records the outcome of one admitted call in the tenant's breaker for the tool (run by
-- circuit.record_circuit_call). One INSERT ... ON CONFLICT DO UPDATE: it locks the breaker's row and
-- its SET reads the latest committed version, so outcomes recorded by concurrent workers apply one
-- after another and none is lost. The thresholds and the isolation come with the call's policy:
--   closed     a failure adds to consecutive_failures; the failure_threshold-th in a row opens the
--              breaker until now + isolation_seconds; a success resets the count.
--   half_open  a failure opens it again; the success_threshold-th success in a row closes it.
--   open       nothing: the outcome is of a call admitted before the breaker opened.
-- An outcome that changes nothing (a success while closed with no failure counted, anything while
-- open) writes nothing and returns no row; otherwise the breaker is returned with the state it had.
WITH clock AS (
    SELECT hwe.current_time() AS now
)
INSERT INTO hwe.circuit_breaker AS b (
    tenant_id, function_name, state, previous_state, consecutive_failures, consecutive_successes, open_until,
    updated_at
)
SELECT
    %(tenant_id)s,
    %(function_name)s,
    CASE WHEN %(failed)s AND %(failure_threshold)s <= 1 THEN 'open' ELSE 'closed' END,
    'closed',
    CASE WHEN %(failed)s THEN 1 ELSE 0 END,
    0,
    CASE WHEN %(failed)s AND %(failure_threshold)s <= 1 THEN clock.now + make_interval(secs => %(isolation_seconds)s) END,
    clock.now
FROM clock
ON CONFLICT (tenant_id, function_name) DO UPDATE SET
    state = CASE
        WHEN b.state = 'half_open' AND %(failed)s THEN 'open'
        WHEN b.state = 'half_open' AND b.consecutive_successes + 1 >= %(success_threshold)s THEN 'closed'
        WHEN b.state = 'closed' AND %(failed)s AND b.consecutive_failures + 1 >= %(failure_threshold)s THEN 'open'
        ELSE b.state
    END,
    previous_state = b.state,
    consecutive_failures = CASE WHEN %(failed)s THEN b.consecutive_failures + 1 ELSE 0 END,
    consecutive_successes = CASE
        WHEN b.state = 'half_open' AND NOT %(failed)s AND b.consecutive_successes + 1 < %(success_threshold)s
            THEN b.consecutive_successes + 1
        ELSE 0
    END,
    open_until = CASE
        WHEN %(failed)s AND (b.state = 'half_open' OR b.consecutive_failures + 1 >= %(failure_threshold)s)
            THEN EXCLUDED.updated_at + make_interval(secs => %(isolation_seconds)s)
        WHEN b.state = 'half_open' AND b.consecutive_successes + 1 >= %(success_threshold)s THEN NULL
        ELSE b.open_until
    END,
    updated_at = EXCLUDED.updated_at
WHERE b.state <> 'open' AND (%(failed)s OR b.state = 'half_open' OR b.consecutive_failures > 0)
RETURNING b.state, b.previous_state, b.consecutive_failures, b.consecutive_successes, b.open_until
