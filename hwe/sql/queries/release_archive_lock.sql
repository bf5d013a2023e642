-- Releases the session advisory lock of the audit archive taken by acquire_archive_lock. Locks no rows.
SELECT pg_advisory_unlock(%(lock_key)s) AS released
