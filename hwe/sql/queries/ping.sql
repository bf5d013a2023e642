-- Readiness probe: proves a pooled connection reaches the server and the engine schema exists.
SELECT count(*) FROM hwe.schema_migrations
