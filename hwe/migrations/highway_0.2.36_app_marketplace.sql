-- highway 0.2.36: the app marketplace and tenants' installations of its apps.
--
-- A publisher name (`acme`) belongs to the first tenant that publishes under it. That tenant's apps
-- (hwe.marketplace_app) have versions (hwe.app_version: draft, then published, then deprecated), each naming the
-- publisher's artifact and the action → function map. A private app is seen and installed only by its owner; a
-- public one is in the marketplace for every tenant. A tenant installs one published version
-- (hwe.app_installation, unique by publisher and app name, so `apps.<publisher>.<app>.<action>` names one
-- installation); its workflows call the actions while the installation is enabled. The names of an installation's
-- secrets and when they were set are kept here (their values only in the secret provider), and a log of its
-- changes (who, when, what; never a secret's value). Apps are only soft-deleted: installations keep their version.
--
-- The apps of 0.1.40 (hwe.app, one tenant's bundle of actions) become a private app of that tenant with a published
-- version 1.0.0 and an enabled installation; then hwe.app is dropped. A publisher name several tenants used stays
-- claimed by the one that installed first. Idempotent.

CREATE TABLE IF NOT EXISTS hwe.app_publisher (
    publisher   text PRIMARY KEY CHECK (publisher ~ '^[a-z][a-z0-9_]{0,62}$'),
    tenant_id   text NOT NULL REFERENCES hwe.tenant (tenant_id),
    created_at  timestamptz NOT NULL DEFAULT hwe.current_time()
);

CREATE TABLE IF NOT EXISTS hwe.marketplace_app (
    app_id             uuid PRIMARY KEY,
    tenant_id          text NOT NULL REFERENCES hwe.tenant (tenant_id),
    publisher          text NOT NULL CHECK (publisher ~ '^[a-z][a-z0-9_]{0,62}$'),
    app_name           text NOT NULL CHECK (app_name ~ '^[a-z][a-z0-9_]{0,62}$'),
    display_name       text NOT NULL,
    description        text NOT NULL DEFAULT '',
    category           text NOT NULL DEFAULT 'other',
    tags               text[] NOT NULL DEFAULT '{}',
    visibility         text NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'public')),
    icon_url           text,
    documentation_url  text,
    homepage_url       text,
    created_at         timestamptz NOT NULL DEFAULT hwe.current_time(),
    updated_at         timestamptz NOT NULL DEFAULT hwe.current_time(),
    deleted_at         timestamptz
);

CREATE UNIQUE INDEX IF NOT EXISTS marketplace_app_name_idx
    ON hwe.marketplace_app (tenant_id, publisher, app_name) WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS marketplace_app_public_idx
    ON hwe.marketplace_app (category, publisher, app_name) WHERE deleted_at IS NULL AND visibility = 'public';

CREATE TABLE IF NOT EXISTS hwe.app_version (
    version_id            uuid PRIMARY KEY,
    app_id                uuid NOT NULL REFERENCES hwe.marketplace_app (app_id),
    version               text NOT NULL
        CHECK (version ~ '^(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})$'),
    -- The version as numbers, so 1.10.0 sorts after 1.9.0.
    version_key           integer[] NOT NULL GENERATED ALWAYS AS (string_to_array(version, '.')::integer[]) STORED,
    state                 text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'published', 'deprecated')),
    artifact_id           text NOT NULL CHECK (artifact_id ~ '^[0-9a-f]{64}$'),
    actions               jsonb NOT NULL,
    required_secrets      text[] NOT NULL DEFAULT '{}',
    configuration_schema  jsonb,
    changelog             text NOT NULL DEFAULT '',
    created_at            timestamptz NOT NULL DEFAULT hwe.current_time(),
    published_at          timestamptz,
    deprecated_at         timestamptz,
    UNIQUE (app_id, version)
);

CREATE TABLE IF NOT EXISTS hwe.app_installation (
    installation_id  uuid PRIMARY KEY,
    tenant_id        text NOT NULL REFERENCES hwe.tenant (tenant_id),
    app_id           uuid NOT NULL REFERENCES hwe.marketplace_app (app_id),
    version_id       uuid NOT NULL REFERENCES hwe.app_version (version_id),
    -- The app's names, copied: they make the tool names, and one installation has each.
    publisher        text NOT NULL,
    app_name         text NOT NULL,
    enabled          boolean NOT NULL DEFAULT true,
    configuration    jsonb NOT NULL DEFAULT '{}',
    installed_at     timestamptz NOT NULL DEFAULT hwe.current_time(),
    updated_at       timestamptz NOT NULL DEFAULT hwe.current_time(),
    UNIQUE (tenant_id, publisher, app_name)
);

CREATE INDEX IF NOT EXISTS app_installation_app_idx ON hwe.app_installation (app_id);

CREATE TABLE IF NOT EXISTS hwe.app_installation_secret (
    installation_id  uuid NOT NULL REFERENCES hwe.app_installation (installation_id) ON DELETE CASCADE,
    secret_name      text NOT NULL CHECK (secret_name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
    created_at       timestamptz NOT NULL DEFAULT hwe.current_time(),
    updated_at       timestamptz NOT NULL DEFAULT hwe.current_time(),
    PRIMARY KEY (installation_id, secret_name)
);

CREATE TABLE IF NOT EXISTS hwe.app_installation_log (
    log_id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    installation_id  uuid NOT NULL REFERENCES hwe.app_installation (installation_id) ON DELETE CASCADE,
    action           text NOT NULL CHECK (action IN
        ('install', 'enable', 'disable', 'upgrade', 'configure', 'set_secret', 'delete_secret')),
    actor            text NOT NULL,
    details          jsonb NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL DEFAULT hwe.current_time()
);

CREATE INDEX IF NOT EXISTS app_installation_log_idx ON hwe.app_installation_log (installation_id, log_id DESC);

DO $$
DECLARE
    v_old record;
    v_app uuid;
    v_version uuid;
BEGIN
    IF to_regclass('hwe.app') IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO hwe.app_publisher (publisher, tenant_id, created_at)
    SELECT DISTINCT ON (publisher) publisher, tenant_id, installed_at FROM hwe.app ORDER BY publisher, installed_at
    ON CONFLICT (publisher) DO NOTHING;
    FOR v_old IN SELECT * FROM hwe.app ORDER BY installed_at LOOP
        v_app := gen_random_uuid();
        v_version := gen_random_uuid();
        INSERT INTO hwe.marketplace_app (app_id, tenant_id, publisher, app_name, display_name, created_at, updated_at)
        VALUES (v_app, v_old.tenant_id, v_old.publisher, v_old.app, v_old.publisher || '.' || v_old.app,
                v_old.installed_at, v_old.installed_at);
        INSERT INTO hwe.app_version (version_id, app_id, version, state, artifact_id, actions, created_at, published_at)
        VALUES (v_version, v_app, '1.0.0', 'published', v_old.artifact_id,
                (SELECT jsonb_object_agg(key, jsonb_build_object('function', value)) FROM jsonb_each(v_old.actions)),
                v_old.installed_at, v_old.installed_at);
        INSERT INTO hwe.app_installation
            (installation_id, tenant_id, app_id, version_id, publisher, app_name, installed_at, updated_at)
        VALUES (gen_random_uuid(), v_old.tenant_id, v_app, v_version, v_old.publisher, v_old.app,
                v_old.installed_at, v_old.installed_at);
    END LOOP;
    DROP TABLE hwe.app;
END
$$;
