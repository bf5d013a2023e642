-- Committed transactions of one database so far (every statement outside an explicit transaction counts as one,
-- reads included). Backends report their counts at most about once a second and when they exit.
SELECT xact_commit
FROM pg_stat_database
WHERE datname = %(database)s
