-- Probes: proves a pooled connection reaches the server (the schema is checked by migrate.missing_migrations).
SELECT 1
