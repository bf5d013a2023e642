-- Releases the migration advisory lock taken by acquire_migration_lock.
SELECT pg_advisory_unlock(%(lock_key)s)
