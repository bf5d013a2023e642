-- highway 0.1.40: tenant apps.
--
-- An app is a named bundle of actions (workflow tools) whose code is one of the tenant's
-- artifacts. A workflow of that tenant calls an action as `apps.<publisher>.<app>.<action>`;
-- other tenants cannot, because the lookup is by tenant. Idempotent.

CREATE TABLE IF NOT EXISTS hwe.app (
    tenant_id     text NOT NULL REFERENCES hwe.tenant (tenant_id),
    publisher     text NOT NULL CHECK (publisher ~ '^[a-z][a-z0-9_]{0,62}$'),
    app           text NOT NULL CHECK (app ~ '^[a-z][a-z0-9_]{0,62}$'),
    artifact_id   text NOT NULL,
    actions       jsonb NOT NULL,
    installed_at  timestamptz NOT NULL DEFAULT hwe.current_time(),
    PRIMARY KEY (tenant_id, publisher, app),
    FOREIGN KEY (tenant_id, artifact_id) REFERENCES hwe.artifact (tenant_id, artifact_id)
);
