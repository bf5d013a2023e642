-- highway 0.2.37: named API keys with expiry, for the admin api-keys operations of highway-sdk 1.0.1.
--
-- A key may now carry a name (unique among a tenant's live keys), a description, an expiry time and who created
-- it. `hwe.admin_api_key` is the one place that says what a key's status is (active, revoked, expired) and the
-- one shape the admin operations read; it never exposes the key's hash. Keys made before keep a NULL name.
-- Every statement is idempotent, so applying this file twice changes nothing.

ALTER TABLE hwe.api_key ADD COLUMN IF NOT EXISTS name text CHECK (length(name) BETWEEN 1 AND 200);
ALTER TABLE hwe.api_key ADD COLUMN IF NOT EXISTS description text NOT NULL DEFAULT '';
ALTER TABLE hwe.api_key ADD COLUMN IF NOT EXISTS expires_at timestamptz;
ALTER TABLE hwe.api_key ADD COLUMN IF NOT EXISTS created_by text;

CREATE UNIQUE INDEX IF NOT EXISTS api_key_live_name_idx
    ON hwe.api_key (tenant_id, name) WHERE revoked_at IS NULL AND name IS NOT NULL;

CREATE OR REPLACE VIEW hwe.admin_api_key AS
SELECT
    key_id AS api_key_id,
    tenant_id,
    'hw_' || prefix AS key_prefix,
    coalesce(name, '') AS name,
    description,
    role,
    created_at,
    created_by,
    expires_at,
    revoked_at,
    CASE
        WHEN revoked_at IS NOT NULL THEN 'revoked'
        WHEN expires_at <= hwe.current_time() THEN 'expired'
        ELSE 'active'
    END AS status
FROM hwe.api_key;
