-- highway 0.2.40: people. Accounts per tenant, invitations to join one, personal tokens and console sessions.
--
-- A person is an email within a tenant: one row of `hwe.tenant_user` per tenant they belong to, with their
-- roles (admin, operator, viewer; what they may do is their highest role) and, once they have chosen one, an
-- argon2id password hash. Failed sign-ins are counted on the row so a lock-out holds across API processes.
-- A personal token is an `hwe.api_key` row owned by a user (`user_email`): it authenticates the same way as any
-- key, acts with its owner's current highest role, and goes when its owner goes.
-- An invitation stores only a keyed hash of its one-time token. A console session stores only the SHA-256 of its
-- cookie's value, so a database read does not yield a usable cookie; revoking a session is one UPDATE.
-- Every statement is idempotent, so applying this file twice changes nothing.

CREATE TABLE IF NOT EXISTS hwe.tenant_user (
    tenant_id text NOT NULL REFERENCES hwe.tenant (tenant_id) ON DELETE CASCADE,
    email text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    display_name text NOT NULL DEFAULT '' CHECK (length(display_name) <= 200),
    roles text[] NOT NULL CHECK (
        cardinality(roles) BETWEEN 1 AND 3 AND roles <@ ARRAY['admin', 'operator', 'viewer']::text[]
    ),
    disabled boolean NOT NULL DEFAULT false,
    password_hash text,
    failed_sign_ins integer NOT NULL DEFAULT 0,
    locked_until timestamptz,
    last_sign_in_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT hwe.current_time(),
    updated_at timestamptz NOT NULL DEFAULT hwe.current_time(),
    created_by text,
    PRIMARY KEY (tenant_id, email)
);

CREATE INDEX IF NOT EXISTS tenant_user_email_idx ON hwe.tenant_user (email);

ALTER TABLE hwe.api_key ADD COLUMN IF NOT EXISTS user_email text;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'api_key_owner_fk') THEN
        ALTER TABLE hwe.api_key ADD CONSTRAINT api_key_owner_fk FOREIGN KEY (tenant_id, user_email)
            REFERENCES hwe.tenant_user (tenant_id, email) ON DELETE CASCADE;
    END IF;
END
$$;

CREATE INDEX IF NOT EXISTS api_key_owner_idx ON hwe.api_key (tenant_id, user_email) WHERE user_email IS NOT NULL;

CREATE TABLE IF NOT EXISTS hwe.invitation (
    invitation_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id text NOT NULL REFERENCES hwe.tenant (tenant_id) ON DELETE CASCADE,
    email text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    roles text[] NOT NULL CHECK (
        cardinality(roles) BETWEEN 1 AND 3 AND roles <@ ARRAY['admin', 'operator', 'viewer']::text[]
    ),
    message text NOT NULL DEFAULT '' CHECK (length(message) <= 2000),
    token_hash text NOT NULL UNIQUE,
    invited_by text,
    created_at timestamptz NOT NULL DEFAULT hwe.current_time(),
    expires_at timestamptz NOT NULL,
    sent_count integer NOT NULL DEFAULT 1,
    last_sent_at timestamptz NOT NULL DEFAULT hwe.current_time(),
    accepted_at timestamptz,
    revoked_at timestamptz
);

-- One open invitation per person and tenant: a second one would leave two live links for the same account.
CREATE UNIQUE INDEX IF NOT EXISTS invitation_open_idx
    ON hwe.invitation (tenant_id, email) WHERE accepted_at IS NULL AND revoked_at IS NULL;

CREATE TABLE IF NOT EXISTS hwe.user_session (
    session_digest text PRIMARY KEY,
    tenant_id text NOT NULL REFERENCES hwe.tenant (tenant_id) ON DELETE CASCADE,
    user_email text,
    -- A console session opened by pasting an API key acts as that key, and ends when the key is revoked.
    key_id uuid REFERENCES hwe.api_key (key_id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT hwe.current_time(),
    last_seen_at timestamptz NOT NULL DEFAULT hwe.current_time(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    CHECK ((user_email IS NULL) <> (key_id IS NULL)),
    FOREIGN KEY (tenant_id, user_email) REFERENCES hwe.tenant_user (tenant_id, email) ON DELETE CASCADE
);

CREATE INDEX IF NOT EXISTS user_session_user_idx ON hwe.user_session (tenant_id, user_email) WHERE user_email IS NOT NULL;

-- What a person may do: the highest of their roles. The one place that ranks roles in SQL (the API's ROLE_RANK
-- ranks them the same way).
CREATE OR REPLACE FUNCTION hwe.highest_role(roles text[]) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN 'admin' = ANY (roles) THEN 'admin'
        WHEN 'operator' = ANY (roles) THEN 'operator'
        WHEN 'viewer' = ANY (roles) THEN 'viewer'
    END
$$;

-- The admin api-keys operations show machine keys; a person's tokens are shown by the tokens operations.
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
    END AS status,
    user_email
FROM hwe.api_key;

-- An invitation as its tenant's admins see it: the one place that says whether it is pending, accepted,
-- expired or revoked. Never the token's hash.
CREATE OR REPLACE VIEW hwe.invitation_view AS
SELECT
    invitation_id,
    tenant_id,
    email,
    roles,
    hwe.highest_role(roles) AS role,
    message,
    invited_by,
    created_at,
    expires_at,
    sent_count,
    last_sent_at,
    accepted_at,
    revoked_at,
    CASE
        WHEN accepted_at IS NOT NULL THEN 'accepted'
        WHEN revoked_at IS NOT NULL THEN 'revoked'
        WHEN expires_at <= hwe.current_time() THEN 'expired'
        ELSE 'pending'
    END AS status
FROM hwe.invitation;
