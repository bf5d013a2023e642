-- Takes the session-level advisory lock that serializes `hwe migrate` across processes.
-- Blocks until any other migrating session releases it.
SELECT pg_advisory_lock(%(lock_key)s)
