-- highway 0.1.50: circuit breakers.
--
-- One breaker per tenant and tool function (`tools.http.request`, `apps.acme.crm.lookup`), shared by
-- every task of the tenant whose `circuit_breaker_policy` names that function, on every worker.
-- A tool with no row has a closed breaker. `previous_state` is the state before the last change of
-- the row, so the statement that changed it can tell a transition from a repeat. Idempotent.

CREATE TABLE IF NOT EXISTS hwe.circuit_breaker (
    tenant_id              text NOT NULL REFERENCES hwe.tenant (tenant_id),
    function_name          text NOT NULL,
    state                  text NOT NULL DEFAULT 'closed' CHECK (state IN ('closed', 'open', 'half_open')),
    previous_state         text NOT NULL DEFAULT 'closed'
                           CHECK (previous_state IN ('closed', 'open', 'half_open')),
    consecutive_failures   integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
    consecutive_successes  integer NOT NULL DEFAULT 0 CHECK (consecutive_successes >= 0),
    open_until             timestamptz,
    updated_at             timestamptz NOT NULL DEFAULT hwe.current_time(),
    PRIMARY KEY (tenant_id, function_name),
    CHECK (state <> 'open' OR open_until IS NOT NULL)
);
