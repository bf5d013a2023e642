-- Records that an installation's secret is set (now); returns its name and times.
INSERT INTO hwe.app_installation_secret (installation_id, secret_name)
VALUES (%(installation_id)s, %(secret_name)s)
ON CONFLICT (installation_id, secret_name) DO UPDATE SET updated_at = hwe.current_time()
RETURNING secret_name AS name, created_at, updated_at
