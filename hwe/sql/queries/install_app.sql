-- Installs (or reinstalls) a tenant's app: its artifact and its actions. Returns the app.
INSERT INTO hwe.app (tenant_id, publisher, app, artifact_id, actions)
VALUES (%(tenant_id)s, %(publisher)s, %(app)s, %(artifact_id)s, %(actions)s)
ON CONFLICT (tenant_id, publisher, app)
DO UPDATE SET artifact_id = excluded.artifact_id, actions = excluded.actions, installed_at = hwe.current_time()
RETURNING publisher, app, artifact_id, actions, installed_at
