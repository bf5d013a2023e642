-- Client connections to the engine's database other than this one.
SELECT count(*) AS backends
FROM pg_stat_activity
WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()
