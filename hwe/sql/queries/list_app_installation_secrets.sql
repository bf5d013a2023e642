-- The names of an installation's secrets and when they were set (the values are only in the secret provider).
SELECT secret_name AS name, created_at, updated_at
FROM hwe.app_installation_secret
WHERE installation_id = %(installation_id)s
ORDER BY secret_name
