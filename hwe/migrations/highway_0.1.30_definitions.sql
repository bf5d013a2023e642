-- highway 0.1.30: stored workflow definitions.
--
-- Adds `hwe.workflow_definition`: a tenant's highway_dsl definitions, stored through the API and
-- versioned by content. A definition is named by its own `name` field; its version is an integer per
-- (tenant, name), counted from 1. The SHA-256 of its canonical JSON (`content_hash`) is unique per
-- tenant, so storing the same content again finds the stored version instead of adding one. Rows are
-- never changed: a run submitted by name copies the definition into its workflow_run row, so it stays
-- pinned to it. Every statement is idempotent, so applying this file twice changes nothing.

CREATE TABLE IF NOT EXISTS hwe.workflow_definition (
    tenant_id     text NOT NULL REFERENCES hwe.tenant (tenant_id),
    name          text NOT NULL,
    version       integer NOT NULL CHECK (version >= 1),
    content_hash  text NOT NULL CHECK (content_hash ~ '^[0-9a-f]{64}$'),
    definition    jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT hwe.current_time(),
    PRIMARY KEY (tenant_id, name, version),
    UNIQUE (tenant_id, content_hash)
);
