-- highway 0.1.10: the API's management surface (tenants, API keys) and the run listing.
--
-- Adds hwe.idempotent_request, the record of management requests sent with X-Idempotency-Key
-- (create a tenant, create a key): the same key with the same body answers the stored response, a
-- different body is a conflict. Only a SHA-256 digest of the idempotency key is kept, and the stored
-- response never holds a key's secret. Adds an index to list a tenant's API keys, and the keyset index
-- that lists a tenant's runs newest first, page by page, on (created_at, workflow_run_id).
-- Every statement is idempotent, so applying this file twice changes nothing.

CREATE TABLE IF NOT EXISTS hwe.idempotent_request (
    tenant_id     text NOT NULL REFERENCES hwe.tenant (tenant_id),
    operation     text NOT NULL,
    key_digest    text NOT NULL,
    request_hash  text NOT NULL,
    response      jsonb,
    created_at    timestamptz NOT NULL DEFAULT hwe.current_time(),
    PRIMARY KEY (tenant_id, operation, key_digest)
);

CREATE INDEX IF NOT EXISTS api_key_tenant_idx ON hwe.api_key (tenant_id, created_at);

CREATE INDEX IF NOT EXISTS workflow_run_tenant_keyset_idx
    ON hwe.workflow_run (tenant_id, created_at DESC, workflow_run_id DESC);
